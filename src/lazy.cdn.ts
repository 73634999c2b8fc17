/**
 * `lazy.ts` for the CDN builds (vite.config.ts swaps it in): the lazy modules are ES module chunks in
 * `chunks/` beside the core script, built on their own so they depend on nothing in it, and loaded from the
 * URL the core script itself came from. Dynamic `import()` works from a classic script too, and a strict
 * CSP (`script-src 'self'`) allows it for same-origin chunks.
 */
import type { FaceChunk, FingerprintChunk, QrCodeChunk, WebAuthnChunk } from './core/chunks.js';
import type { LazyLanguage } from './i18n/languages.js';
import type { LocaleStrings } from './i18n/locales/en.js';

/** Replaced at build time: `import.meta.url` in the module build, `document.currentScript`'s src in the IIFE. */
declare const __GUARD_SCRIPT_URL__: string | undefined;

// Read while the script evaluates: `document.currentScript` is null once it has run.
const scriptUrl = __GUARD_SCRIPT_URL__;

function chunk<T>(name: string): Promise<T> {
  const base = scriptUrl || (typeof document === 'undefined' ? undefined : document.baseURI);
  return import(/* @vite-ignore */ new URL(`chunks/${name}.js`, base).href) as Promise<T>;
}

export async function loadLocale(lang: LazyLanguage): Promise<LocaleStrings> {
  return (await chunk<{ default: LocaleStrings }>(`locale-${lang}`)).default;
}

export const loadQrCode = () => chunk<QrCodeChunk>('qrcode');

export const loadFingerprint = () => chunk<FingerprintChunk>('fingerprint');

export const loadWebAuthn = () => chunk<WebAuthnChunk>('webauthn');
export const loadFace = () => chunk<FaceChunk>('face');
