/**
 * Browser builds, one per mode (`npm run build` runs them in this order):
 *
 *   vite build --mode npm          dist/browser/   ESM for bundlers: one file per module, dependencies external
 *   vite build --mode cdn-chunks   dist/cdn/chunks  the lazy parts as self-contained ES modules
 *   vite build --mode cdn-module   dist/cdn/guard.js       <script type="module">, everything else inlined
 *   vite build --mode cdn-iife     dist/cdn/guard.iife.js  classic <script> → window.GuardFactory; writes sri.json
 *
 * The lazy parts are built on their own so neither core bundle shares code with them: both load the same
 * chunk files, from the URL the core script came from (src/lazy.cdn.ts). The CDN files are for browsers only
 * (Lit's browser build reads `document` as it loads); server-side rendering imports the npm build, which
 * resolves Lit's Node build.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

const root = import.meta.dirname;
const src = (path: string) => resolve(root, 'src', path);
const CDN_DIR = resolve(root, 'dist/cdn');

/** Per-component entry points: `src/components/<name>/<name>.ts` registers `<guard-name>`. */
function componentEntries(): Record<string, string> {
  const dir = src('components');
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, `${entry.name}.ts`)))
      .map((entry) => [`components/${entry.name}/${entry.name}`, join(dir, entry.name, `${entry.name}.ts`)]),
  );
}

/** The modules src/lazy.cdn.ts loads, by chunk name. */
const LAZY_CHUNKS = {
  'locale-zh-CN': src('i18n/locales/zh-CN.ts'),
  'locale-zh-TW': src('i18n/locales/zh-TW.ts'),
  'locale-ja': src('i18n/locales/ja.ts'),
  qrcode: src('chunks/qrcode.ts'),
  fingerprint: src('chunks/fingerprint.ts'),
  webauthn: src('chunks/webauthn.ts'),
  face: src('chunks/face.ts'),
};

/** In the CDN core builds, `lazy.ts` (bundler-split dynamic imports) becomes `lazy.cdn.ts` (chunks by URL). */
function cdnLazy(): Plugin {
  return {
    name: 'camfa-guard:cdn-lazy',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!source.endsWith('/lazy.js')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === src('lazy.ts') ? src('lazy.cdn.ts') : resolved;
    },
  };
}

/** `dist/cdn/sri.json`: `{ "<file>": "sha384-…" }` for every CDN file, for `<script integrity>` and import maps. */
function subresourceIntegrity(): Plugin {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
  return {
    name: 'camfa-guard:sri',
    closeBundle() {
      const hashes = Object.fromEntries(
        files(CDN_DIR)
          .filter((file) => !file.endsWith('sri.json'))
          .sort()
          .map((file) => [relative(CDN_DIR, file), `sha384-${createHash('sha384').update(readFileSync(file)).digest('base64')}`]),
      );
      writeFileSync(join(CDN_DIR, 'sri.json'), `${JSON.stringify(hashes, null, 2)}\n`);
    },
  };
}

const shared: UserConfig = {
  // Nothing from public/ or index.html: these are library builds.
  publicDir: false,
  logLevel: 'warn',
};

const cdnBase = (scriptUrl: string, emptyOutDir = false): UserConfig => ({
  ...shared,
  plugins: [cdnLazy()],
  define: { __GUARD_SCRIPT_URL__: scriptUrl, 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: CDN_DIR,
    emptyOutDir,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    // Vite leaves whitespace in ES library output for the next bundler; these files go to browsers as they are.
    rolldownOptions: { output: { minify: true } },
  },
});

export default defineConfig(({ mode }): UserConfig => {
  switch (mode) {
    case 'npm':
      return {
        ...shared,
        build: {
          outDir: resolve(root, 'dist/browser'),
          // The first browser build: tsc writes the declarations into dist/browser/types after it.
          emptyOutDir: true,
          target: 'es2022',
          minify: false,
          sourcemap: true,
          reportCompressedSize: false,
          lib: { entry: { index: src('index.ts'), ...componentEntries() }, formats: ['es'] },
          rolldownOptions: {
            // Dependencies stay imports: the application's bundler dedupes lit and splits the lazy parts. The
            // compiler's own helpers (Lit's decorators need one) are no dependency of ours: they are bundled.
            external: (id) => /^[^./\0]/.test(id) && !id.startsWith(root) && !id.startsWith('@oxc-project/runtime/'),
            output: { preserveModules: true, preserveModulesRoot: src(''), entryFileNames: '[name].js' },
          },
        },
      };
    case 'cdn-chunks': {
      const config = cdnBase('undefined', true);
      return {
        ...config,
        plugins: [],
        build: {
          ...config.build,
          lib: { entry: LAZY_CHUNKS, formats: ['es'], fileName: (_format, name) => `chunks/${name}.js` },
          rolldownOptions: { output: { ...config.build?.rolldownOptions?.output, chunkFileNames: 'chunks/shared-[hash].js' } },
        },
      };
    }
    case 'cdn-module': {
      const config = cdnBase('import.meta.url');
      return { ...config, build: { ...config.build, lib: { entry: src('index.ts'), formats: ['es'], fileName: () => 'guard.js' } } };
    }
    case 'cdn-iife': {
      // Read while the classic script runs; afterwards document.currentScript is null.
      const config = cdnBase('(typeof document < "u" && document.currentScript && document.currentScript.src || void 0)');
      return {
        ...config,
        plugins: [...(config.plugins ?? []), subresourceIntegrity()],
        build: {
          ...config.build,
          lib: { entry: src('cdn.ts'), formats: ['iife'], name: 'GuardFactory', fileName: () => 'guard.iife.js' },
          rolldownOptions: { output: { ...config.build?.rolldownOptions?.output, exports: 'default' } },
        },
      };
    }
    default:
      throw new Error(`vite.config.ts: unknown mode "${mode}" (npm, cdn-chunks, cdn-module, cdn-iife)`);
  }
});
