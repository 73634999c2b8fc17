import type { OtpChannel } from '../storage/types.js';

export interface CodeMessageInput {
  channel: OtpChannel;
  locale: string;
  code: string;
  appName: string;
  expiresInMinutes: number;
  /** The page's host the code will be typed on: an SMS then ends with its WebOTP line, `@host #code`. */
  webOtpHost?: string;
}

/** A rendered message: `subject` is for e-mail; the code appears in `text` only, never in the subject. */
export interface CodeMessage {
  locale: MessageLocale;
  subject: string;
  text: string;
}

export const MESSAGE_LOCALES = ['en', 'zh-CN', 'zh-TW', 'ja'] as const;
export type MessageLocale = (typeof MESSAGE_LOCALES)[number];

interface Template {
  subject: (appName: string) => string;
  sms: (input: CodeMessageInput) => string;
  email: (input: CodeMessageInput) => string;
}

/**
 * Every template says who sent the code, how long it lasts, and to share it with nobody: the usual
 * phishing script asks the victim to read the code out. Subjects carry no code, so a locked screen's
 * notification preview shows none.
 */
const TEMPLATES: Record<MessageLocale, Template> = {
  en: {
    subject: (appName) => `Your ${appName} verification code`,
    sms: ({ appName, code, expiresInMinutes }) => `${appName}: your verification code is ${code}. It expires in ${expiresInMinutes} minutes. Never share it.`,
    email: ({ appName, code, expiresInMinutes }) =>
      `Your ${appName} verification code is:\n\n    ${code}\n\nIt expires in ${expiresInMinutes} minutes. Do not share it with anyone; ${appName} will never ask you for it.\nIf you did not try to sign in, you can ignore this message.\n`,
  },
  'zh-CN': {
    subject: (appName) => `${appName} 验证码`,
    sms: ({ appName, code, expiresInMinutes }) => `【${appName}】您的验证码是 ${code}，${expiresInMinutes} 分钟内有效。请勿泄露给任何人。`,
    email: ({ appName, code, expiresInMinutes }) =>
      `您的 ${appName} 验证码是：\n\n    ${code}\n\n${expiresInMinutes} 分钟内有效。请勿告诉任何人，${appName} 不会向您索取验证码。\n如果这不是您本人的操作，请忽略此邮件。\n`,
  },
  'zh-TW': {
    subject: (appName) => `${appName} 驗證碼`,
    sms: ({ appName, code, expiresInMinutes }) => `【${appName}】您的驗證碼是 ${code}，${expiresInMinutes} 分鐘內有效。請勿透露給任何人。`,
    email: ({ appName, code, expiresInMinutes }) =>
      `您的 ${appName} 驗證碼是：\n\n    ${code}\n\n${expiresInMinutes} 分鐘內有效。請勿告訴任何人，${appName} 不會向您索取驗證碼。\n如果這不是您本人的操作，請忽略此郵件。\n`,
  },
  ja: {
    subject: (appName) => `${appName} の確認コード`,
    sms: ({ appName, code, expiresInMinutes }) => `${appName}：確認コードは ${code} です。有効期限は ${expiresInMinutes} 分です。誰にも教えないでください。`,
    email: ({ appName, code, expiresInMinutes }) =>
      `${appName} の確認コードは次のとおりです。\n\n    ${code}\n\n有効期限は ${expiresInMinutes} 分です。誰にも教えないでください。${appName} がコードを尋ねることはありません。\nお心当たりがない場合は、このメールを無視してください。\n`,
  },
};

/**
 * The supported locale closest to a BCP 47 tag: exact match, then Chinese by script or region
 * (Hant, TW, HK, MO → zh-TW; other zh → zh-CN), then the language alone, then English.
 */
export function resolveMessageLocale(locale: string): MessageLocale {
  const tag = locale.trim().replace(/_/g, '-').toLowerCase();
  const exact = MESSAGE_LOCALES.find((candidate) => candidate.toLowerCase() === tag);
  if (exact !== undefined) return exact;
  const [language, ...rest] = tag.split('-');
  if (language === 'zh') return rest.some((part) => ['hant', 'tw', 'hk', 'mo'].includes(part)) ? 'zh-TW' : 'zh-CN';
  return MESSAGE_LOCALES.find((candidate) => candidate === language) ?? 'en';
}

/** Renders the code message for a channel in the closest supported locale. */
export function renderCodeMessage(input: CodeMessageInput): CodeMessage {
  const locale = resolveMessageLocale(input.locale);
  const template = TEMPLATES[locale];
  if (input.channel !== 'sms') return { locale, subject: template.subject(input.appName), text: template.email(input) };
  // The origin-bound line WebOTP reads (and that binds the code to the page, so another site cannot ask the browser for it).
  const bound = input.webOtpHost ? `\n\n@${input.webOtpHost} #${input.code}` : '';
  return { locale, subject: template.subject(input.appName), text: template.sms(input) + bound };
}
