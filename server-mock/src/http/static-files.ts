import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** Files the backend serves itself (the console's build, the CDN bundle for the hosted gateway pages). */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The `content-type` of a file we serve, by its extension. */
export const contentType = (file: string): string => CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';

/** The file under `dir` that a path names, or null when it leaves `dir` or is not a file. */
export async function fileUnder(dir: string, relative: string): Promise<string | null> {
  const file = resolve(dir, `.${sep}${relative}`);
  if (file !== dir && !file.startsWith(dir + sep)) return null;
  try {
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}
