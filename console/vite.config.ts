/**
 * The admin console (`npm run build:console`): `console/index.html` → `dist/console/`, served by the backend at
 * `/console/`. An application build, apart from the library's (root `vite.config.ts`): its Web Awesome and Lit
 * never reach the CDN or npm bundles. Nothing is inlined into the HTML or as `data:` assets, so the page runs
 * under a CSP without `'unsafe-inline'`; `.vite/manifest.json` tells the bench which chunk is the entry.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: '/console/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: resolve(root, '../dist/console'),
    emptyOutDir: true,
    manifest: true,
    assetsInlineLimit: 0,
    target: 'es2022',
    // The library's face chunk (Human with tfjs, ~1.6 MB) is lazy and loaded only when a user picks face.
    chunkSizeWarningLimit: 2000,
    // Vite's preload helper would otherwise be a polyfill; every browser the console supports has modulepreload.
    modulePreload: { polyfill: false },
  },
  esbuild: { target: 'es2022' },
});
