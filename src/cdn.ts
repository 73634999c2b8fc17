/**
 * Entry of the classic-script CDN build (`dist/cdn/guard.iife.js`): its default export becomes
 * `window.GuardFactory`. The module build (`dist/cdn/guard.js`) is built from `index.ts` and has every name.
 */
export { GuardFactory as default } from './index.js';
