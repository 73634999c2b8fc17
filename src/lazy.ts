/**
 * The one place heavy or rarely needed code is loaded from (everything else is in the core bundle). The npm
 * build keeps these as dynamic imports for the application's bundler to split; the CDN builds swap this
 * module for `lazy.cdn.ts`, which loads the same modules as chunks beside the core script.
 */
import type { FaceChunk, FingerprintChunk, QrCodeChunk, WebAuthnChunk } from './core/chunks.js';
import type { LazyLanguage } from './i18n/languages.js';
import type { LocaleStrings } from './i18n/locales/en.js';

export async function loadLocale(lang: LazyLanguage): Promise<LocaleStrings> {
  switch (lang) {
    case 'zh-CN':
      return (await import('./i18n/locales/zh-CN.js')).default;
    case 'zh-TW':
      return (await import('./i18n/locales/zh-TW.js')).default;
    case 'ja':
      return (await import('./i18n/locales/ja.js')).default;
  }
}

export const loadQrCode = (): Promise<QrCodeChunk> => import('./chunks/qrcode.js');

export const loadFingerprint = (): Promise<FingerprintChunk> => import('./chunks/fingerprint.js');

export const loadWebAuthn = (): Promise<WebAuthnChunk> => import('./chunks/webauthn.js');
/** Human (with tfjs) and the face capture element: megabytes, loaded only when the user picks face. */
export const loadFace = (): Promise<FaceChunk> => import('./chunks/face.js');
