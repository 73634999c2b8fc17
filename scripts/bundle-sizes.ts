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
export const CORE_BUDGET_BYTES = 32 * 1024;

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

export const CONSOLE_DIR = fileURLToPath(new URL('../dist/console/', import.meta.url));

/** One chunk of Vite's `.vite/manifest.json` (the fields read here). */
interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

export interface ConsoleSizes {
  /** What the first render loads: the entry chunk, the chunks it imports statically, and its CSS. */
  initial: FileSize[];
  /** Loaded on demand (other languages, the library's passkey/face/QR chunks, the policy editor). */
  lazy: FileSize[];
}

/** The admin console's build (`npm run build:console`), split into what the first render loads and the rest. */
export function consoleSizes(dir = CONSOLE_DIR): ConsoleSizes {
  const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const initial = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const css of chunk.css ?? []) initial.add(css);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const size = (file: string): FileSize => {
    const content = readFileSync(join(dir, file));
    return { file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  };
  const files = cdnFiles(join(dir, 'assets')).map((file) => `assets/${file}`);
  return { initial: [...initial].sort().map(size), lazy: files.filter((file) => !initial.has(file)).map(size) };
}
