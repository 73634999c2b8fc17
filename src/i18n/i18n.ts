import { createInstance, type i18n as I18next } from 'i18next';
import { loadLocale } from '../lazy.js';
import { LANGUAGES, type Language } from './languages.js';
import en from './locales/en.js';
import type { StringOverrides, TranslationKey, Translator } from './strings.js';

export type { PartialStrings, StringOverrides, TranslationKey, Translator } from './strings.js';

/** The supported language for a BCP 47 tag: `zh-Hant`, `zh-TW`, `zh-HK`, `zh-MO` → zh-TW; other Chinese → zh-CN; `ja-*` → ja. */
export function matchLanguage(tag: string): Language | undefined {
  const lower = tag.toLowerCase();
  const [primary] = lower.split(/[-_]/);
  if (primary === 'zh') return /^zh[-_](hant|tw|hk|mo)\b/.test(lower) ? 'zh-TW' : 'zh-CN';
  return LANGUAGES.find((language) => language.toLowerCase() === primary);
}

/**
 * The text for `language` among texts keyed by language tag (a policy author's translations): the exact tag, else one
 * that means the same language (`ja-JP` for ja, `en-GB` for en, `zh-Hant` for zh-TW). A bare `zh` names no script, so
 * it stands for neither Chinese: better the author's default text than the wrong script.
 */
export function pickTranslation(texts: Record<string, string> | undefined, language: Language): string | undefined {
  const entries = Object.entries(texts ?? {});
  return (entries.find(([tag]) => tag === language) ?? entries.find(([tag]) => tag.toLowerCase() !== 'zh' && matchLanguage(tag) === language))?.[1];
}

/**
 * `text` ended as a sentence with the language's `fullStop`, unless its author already ended it with a mark of
 * their own (`.` `!` `?` `。` `！` `？` `…`, perhaps inside a closing quote or bracket): never two marks.
 */
export function asSentence(text: string, fullStop: string): string {
  const trimmed = text.trim();
  return /[\p{Sentence_Terminal}…][\p{Pe}\p{Pf}"']*$/u.test(trimmed) ? trimmed : trimmed + fullStop;
}

/** The `lang` option if supported, else the browser's first supported preference, else English. */
export function resolveLanguage(lang?: string, preferred: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): Language {
  for (const tag of lang ? [lang, ...preferred] : preferred) {
    const match = matchLanguage(tag);
    if (match) return match;
  }
  return 'en';
}

/**
 * One Guard's strings: an i18next instance of its own (never the global one a host page may use) with English
 * bundled, other locales loaded on first use, and the user's overrides layered on top.
 */
export class GuardI18n implements Translator {
  readonly i18next: I18next;
  private readonly overrides: StringOverrides;

  private constructor(i18next: I18next, overrides: StringOverrides) {
    this.i18next = i18next;
    this.overrides = overrides;
  }

  static async create(options: { lang?: string; overrides?: StringOverrides } = {}): Promise<GuardI18n> {
    const i18next = createInstance();
    await i18next.init({
      lng: 'en',
      fallbackLng: 'en',
      supportedLngs: [...LANGUAGES],
      resources: { en: { translation: en } },
      // Lit escapes what it renders; escaping here would show `&amp;` in the page.
      interpolation: { escapeValue: false },
      initAsync: false,
    });
    const instance = new GuardI18n(i18next, options.overrides ?? {});
    instance.applyOverrides('en');
    await instance.changeLanguage(resolveLanguage(options.lang));
    return instance;
  }

  get language(): Language {
    return this.i18next.language as Language;
  }

  t(key: TranslationKey, values?: Record<string, string | number>): string {
    return this.i18next.t(key, values ?? {});
  }

  /** Loads the locale if needed, then switches; answers the language used (unsupported tags fall back). */
  async changeLanguage(lang: string): Promise<Language> {
    const language = matchLanguage(lang) ?? 'en';
    if (!this.i18next.hasResourceBundle(language, 'translation')) {
      this.i18next.addResourceBundle(language, 'translation', await loadLocale(language as Exclude<Language, 'en'>));
      this.applyOverrides(language);
    }
    await this.i18next.changeLanguage(language);
    return language;
  }

  /** Called after every language change; returns the unsubscribe function (for a controller's hostDisconnected). */
  onChange(listener: (language: Language) => void): () => void {
    const handler = (language: string) => listener(language as Language);
    this.i18next.on('languageChanged', handler);
    return () => this.i18next.off('languageChanged', handler);
  }

  private applyOverrides(language: Language): void {
    for (const strings of [this.overrides['*'], this.overrides[language]]) {
      if (strings) this.i18next.addResourceBundle(language, 'translation', strings, true, true);
    }
  }
}
