/**
 * Sizes of the CDN files (`dist/cdn`, written by `npm run build`), as a browser downloads them: gzip at the
 * highest level, the way CDNs serve static files. The budget test and `npm run bench` both read them here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const CDN_DIR = fileURLToPath(new URL('../dist/cdn/', import.meta.url));

/** The classic-script core every CDN page loads (Hanko Elements is 44 KB, Authing Guard 652 KB). */
export const CORE_FILE = 'guard.iife.js';
export const CORE_BUDGET_BYTES = 40 * 1024;

export interface FileSize {
  /** Relative to dist/cdn, with `/`. */
  file: string;
  bytes: number;
  gzipBytes: number;
}

export function cdnFiles(dir = CDN_DIR): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

export function cdnSizes(dir = CDN_DIR): FileSize[] {
  return cdnFiles(dir)
    .filter((file) => file.endsWith('.js'))
    .map((file) => {
      const content = readFileSync(join(dir, file));
      return { file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
    });
}
