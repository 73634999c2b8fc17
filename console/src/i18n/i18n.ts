/**
 * The console's strings: a small table per language (English bundled, the others loaded on first use), the
 * chosen language remembered in `localStorage`, and `<html lang>` kept in step so Web Awesome's own strings
 * and screen readers follow. Every error is shown through {@link ConsoleI18n.error}, keyed by its `code`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { resolveLanguage } from '../../../src/index.js';
import { en, type ConsoleStringKey, type ConsoleStrings } from './en.js';

export const CONSOLE_LANGUAGES = ['en', 'zh-CN', 'zh-TW', 'ja'] as const;
export type ConsoleLanguage = (typeof CONSOLE_LANGUAGES)[number];

/** Each language's own name, as the picker shows it. */
export const LANGUAGE_NAMES: Record<ConsoleLanguage, string> = { en: 'English', 'zh-CN': '简体中文', 'zh-TW': '繁體中文', ja: '日本語' };

const STORAGE_KEY = 'camfa-console-lang';

const LOADERS: Record<Exclude<ConsoleLanguage, 'en'>, () => Promise<{ default: ConsoleStrings }>> = {
  'zh-CN': () => import('./zh-CN.js'),
  'zh-TW': () => import('./zh-TW.js'),
  ja: () => import('./ja.js'),
};

export type StringParams = Record<string, string | number>;

export class ConsoleI18n {
  private strings: ConsoleStrings = en;
  private readonly listeners = new Set<() => void>();
  lang: ConsoleLanguage = 'en';

  /** The remembered language, else the browser's first supported one, else English. */
  static preferred(): ConsoleLanguage {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
    return resolveLanguage();
  }

  async setLanguage(lang: ConsoleLanguage, options: { remember?: boolean } = {}): Promise<void> {
    this.strings = lang === 'en' ? en : (await LOADERS[lang]()).default;
    this.lang = lang;
    if (options.remember) localStorage.setItem(STORAGE_KEY, lang);
    document.documentElement.lang = lang;
    for (const listener of this.listeners) listener();
  }

  t = (key: ConsoleStringKey, params: StringParams = {}): string =>
    this.strings[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));

  /** The translation of an error's `code`; a code the console has no text for says which it was. */
  error = (error: unknown): string => {
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'unknown';
    const detail = (error as { message?: unknown })?.message;
    const key = `errors.${code}`;
    return key in this.strings
      ? this.t(key as ConsoleStringKey, { code, detail: typeof detail === 'string' ? detail : '' })
      : this.t('errors.unknown', { code });
  };

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function isLanguage(value: unknown): value is ConsoleLanguage {
  return (CONSOLE_LANGUAGES as readonly unknown[]).includes(value);
}

/** The console's one set of strings: every element reads it through an {@link I18nController}. */
export const i18n = new ConsoleI18n();

/** Re-renders its host when the language changes. */
export class I18nController implements ReactiveController {
  private stop?: () => void;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** The host's way to its strings, so every string it renders follows the language. */
  readonly t = i18n.t;

  hostConnected(): void {
    this.stop = i18n.onChange(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.stop?.();
  }
}
