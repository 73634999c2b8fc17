/** The languages the elements ship, English first (bundled; the others load on demand). */
export const LANGUAGES = ['en', 'zh-CN', 'zh-TW', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];
export type LazyLanguage = Exclude<Language, 'en'>;
