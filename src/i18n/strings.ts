/**
 * The types of the string set and of what translates it, apart from `i18n.ts` (the translator and the lazy locale
 * loader) so elements in lazy chunks and `core/` can name them without reaching the loader.
 */
import type { Language } from './languages.js';
import type { LocaleStrings } from './locales/en.js';

/** Any string of a locale, deeply optional: what a user may override per language. */
export type PartialStrings<T = LocaleStrings> = { [Key in keyof T]?: T[Key] extends string ? string : PartialStrings<T[Key]> };

/** `{ 'zh-CN': { login: { title: '…' } } }`; `'*'` applies to every language. */
export type StringOverrides = Partial<Record<Language | '*', PartialStrings>>;

/** Every key of the string set, dotted (`login.title`, `errors.invalid_code`). */
export type TranslationKey = Paths<LocaleStrings>;
type Paths<T, Prefix extends string = ''> = {
  [Key in keyof T & string]: T[Key] extends string ? `${Prefix}${Key}` : Paths<T[Key], `${Prefix}${Key}.`>;
}[keyof T & string];

/** What elements and controllers translate with; `GuardI18n` is the implementation. */
export interface Translator {
  readonly language: Language;
  t(key: TranslationKey, values?: Record<string, string | number>): string;
  /** Loads the locale if needed, then switches; answers the language used. */
  changeLanguage(lang: string): Promise<Language>;
  /** Called after every language change; returns the unsubscribe function. */
  onChange(listener: (language: Language) => void): () => void;
}
