import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HUMAN_MODELS_DIR, TFJS_WASM_DIR } from '../../factors/face/model.js';
import { BROWSER_FACE_MODELS, FACE_ASSET_PATHS } from '../../protocol/index.js';
import type { Route } from '../context.js';
import { HttpError } from '../errors.js';

/**
 * What the browser's face chunk loads, served from the installed packages: the models its Human settings
 * enable (`BROWSER_FACE_MODELS`, beside those settings in the protocol) and the tfjs WebAssembly binaries.
 * Allow-listed names only, so no path ever reaches the file system.
 */
export const BROWSER_FACE_FILES = {
  models: new Map(
    BROWSER_FACE_MODELS.flatMap((model) => [
      [`${model}.json`, 'application/json'],
      [`${model}.bin`, 'application/octet-stream'],
    ]),
  ),
  wasm: new Map(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((file) => [file, 'application/wasm'])),
};

const DIRECTORIES = { models: HUMAN_MODELS_DIR, wasm: TFJS_WASM_DIR };

export function faceAssetRoutes(): Route[] {
  return (['models', 'wasm'] as const).map((kind): Route => ({
    method: 'get',
    path: FACE_ASSET_PATHS[kind],
    summary: kind === 'models' ? 'A face model file for the browser chunk (Human, MIT)' : 'A tfjs WebAssembly binary for the browser chunk (Apache-2.0)',
    tag: 'face',
    security: 'none',
    responses: { 200: { description: 'The file', contentType: kind === 'models' ? 'application/octet-stream' : 'application/wasm' } },
    handler: async (c) => {
      const file = c.req.param('file') ?? '';
      const type = BROWSER_FACE_FILES[kind].get(file);
      if (!type) throw new HttpError(404, 'not_found', 'No such file');
      return c.body(new Uint8Array(await readFile(join(DIRECTORIES[kind], file))), 200, {
        'content-type': type,
        // Public, credential-free files of a pinned package version: any origin (an app or a CDN) may load them.
        'access-control-allow-origin': '*',
        'cache-control': 'public, max-age=86400',
      });
    },
  }));
}
