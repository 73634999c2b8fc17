/** The CDN build (`npm test` builds before vitest): budget, laziness and integrity hashes. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../src/i18n/languages.js';
import { CDN_DIR, CONSOLE_DIR, CORE_BUDGET_BYTES, CORE_FILE, cdnFiles, cdnSizes, consoleSizes } from './bundle-sizes.js';

describe('CDN bundle', () => {
  it(`keeps the core IIFE within ${CORE_BUDGET_BYTES / 1024} KB gzip`, () => {
    const core = cdnSizes().find(({ file }) => file === CORE_FILE);
    expect(core, 'dist/cdn/guard.iife.js (run npm run build)').toBeDefined();
    expect(core!.gzipBytes).toBeLessThanOrEqual(CORE_BUDGET_BYTES);
  });

  it('leaves QR codes, device fingerprinting and every locale but English to lazy chunks', () => {
    const files = cdnFiles();
    const lazy = [
      ...LANGUAGES.filter((language) => language !== 'en').map((language) => `chunks/locale-${language}.js`),
      'chunks/qrcode.js',
      'chunks/fingerprint.js',
    ];
    for (const chunk of lazy) expect(files).toContain(chunk);
    for (const core of [CORE_FILE, 'guard.js']) {
      const code = readFileSync(join(CDN_DIR, core), 'utf8');
      expect(code).toContain('Confirm it’s you');
      // A string from each lazy part: zh-CN, zh-TW and ja locales, qrcode's encoder, FingerprintJS.
      for (const marker of ['确认是您本人', '確認是您本人', '本人確認', 'Invalid QR Code version', 'fpjs']) expect(code).not.toContain(marker);
      expect(code).toContain('chunks/');
    }
  });

  // Strings only each library's build carries: Human's models and tfjs' WebAssembly backend; an error code
  // and the autofill check of @simplewebauthn/browser (minification keeps them).
  it.each([
    { library: 'face verification (Human, tfjs)', chunk: 'chunks/face.js', markers: ['liveness.json', 'tfjs-backend-wasm'] },
    { library: 'SimpleWebAuthn (passkeys)', chunk: 'chunks/webauthn.js', markers: ['ERROR_CEREMONY_ABORTED', 'isConditionalMediationAvailable'] },
  ])('leaves $library to its lazy chunk', ({ chunk, markers }) => {
    const code = readFileSync(join(CDN_DIR, chunk), 'utf8');
    for (const marker of markers) expect(code).toContain(marker);
    for (const core of [CORE_FILE, 'guard.js']) {
      const coreCode = readFileSync(join(CDN_DIR, core), 'utf8');
      for (const marker of markers) expect(coreCode).not.toContain(marker);
    }
  });

  it('lists every file in sri.json with its sha384', () => {
    const sri = JSON.parse(readFileSync(join(CDN_DIR, 'sri.json'), 'utf8')) as Record<string, string>;
    const files = cdnFiles().filter((file) => file !== 'sri.json');
    expect(Object.keys(sri).sort()).toEqual(files);
    for (const file of files) {
      expect(sri[file]).toBe(
        `sha384-${createHash('sha384')
          .update(readFileSync(join(CDN_DIR, file)))
          .digest('base64')}`,
      );
    }
  });

  // The admin console is an application of its own (dist/console): Web Awesome and the console's elements never
  // reach the library's bundles, while its entry carries them.
  it('keeps the admin console and Web Awesome out of the core bundles', () => {
    const { initial } = consoleSizes();
    const entry = initial
      .filter(({ file }) => file.endsWith('.js'))
      .map(({ file }) => readFileSync(join(CONSOLE_DIR, file), 'utf8'))
      .join('\n');
    const markers = ['wa-copy-button', 'camfa-console'];
    for (const marker of markers) expect(entry).toContain(marker);
    for (const core of [CORE_FILE, 'guard.js']) {
      const code = readFileSync(join(CDN_DIR, core), 'utf8');
      for (const marker of markers) expect(code).not.toContain(marker);
    }
  });
});
