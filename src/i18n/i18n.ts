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

/** A locale's strings: nested tables with a string at every leaf. */
type Table = { [key: string]: string | Table };

/** `base` with `over` laid on it, leaf by leaf (neither is changed). */
function merge(base: Table, over: Table): Table {
  const merged: Table = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const inner = merged[key];
    merged[key] = typeof value === 'object' && typeof inner === 'object' ? merge(inner, value) : value;
  }
  return merged;
}

function lookup(table: Table | undefined, key: string): string | undefined {
  let found: string | Table | undefined = table;
  for (const name of key.split('.')) found = typeof found === 'object' ? found[name] : undefined;
  return typeof found === 'string' ? found : undefined;
}

/**
 * One Guard's strings: English bundled, other locales loaded on first use, the user's overrides laid on each, and
 * `{{name}}` placeholders filled in. Our own small layer rather than i18next: lookup, fallback to English and
 * interpolation are all the elements need (no plurals, no nesting), and it keeps ~15 KB out of the core bundle.
 * Nothing is global, so a host page's own i18n is never touched.
 */
export class GuardI18n implements Translator {
  private readonly tables = new Map<Language, Table>();
  private readonly listeners = new Set<(language: Language) => void>();
  private current: Language = 'en';
  /** Counts switches, so a slow locale load that a later switch overtook does not win. */
  private switches = 0;

  private constructor(private readonly overrides: StringOverrides) {
    this.add('en', en);
  }

  static async create(options: { lang?: string; overrides?: StringOverrides } = {}): Promise<GuardI18n> {
    const instance = new GuardI18n(options.overrides ?? {});
    await instance.changeLanguage(resolveLanguage(options.lang));
    return instance;
  }

  get language(): Language {
    return this.current;
  }

  t(key: TranslationKey, values: Record<string, string | number> = {}): string {
    const text = lookup(this.tables.get(this.current), key) ?? lookup(this.tables.get('en'), key) ?? key;
    // Lit escapes what it renders; escaping here would show `&amp;` in the page. A missing value is left empty.
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(values[name] ?? ''));
  }

  /** Loads the locale if needed, then switches; answers the language used (unsupported tags fall back). */
  async changeLanguage(lang: string): Promise<Language> {
    const language = matchLanguage(lang) ?? 'en';
    const switched = ++this.switches;
    if (!this.tables.has(language)) this.add(language, await loadLocale(language as Exclude<Language, 'en'>));
    if (switched !== this.switches) return language;
    this.current = language;
    for (const listener of this.listeners) listener(language);
    return language;
  }

  /** Called after every language change; returns the unsubscribe function (for a controller's hostDisconnected). */
  onChange(listener: (language: Language) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private add(language: Language, strings: object): void {
    let table = strings as Table;
    for (const over of [this.overrides['*'], this.overrides[language]]) if (over) table = merge(table, over as Table);
    this.tables.set(language, table);
  }
}
