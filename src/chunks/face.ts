import { Human } from '@vladmandic/human';
import { HUMAN_FACE, HUMAN_OTHERS_OFF } from '../../server-mock/src/protocol/index.js';
import { GuardFaceCapture } from '../components/face-capture/face-capture.component.js';
import type { FaceAnalyser, ObservedFace } from '../core/chunks.js';

export { GuardFaceCapture };

/**
 * Human in the browser, for guidance and liveness only: detection, mesh and liveness models over the tfjs
 * WebAssembly backend, all loaded from `baseUrl` (`models/`, `wasm/`: the backend serves them, or a CDN
 * copy). No embedding model: the backend computes embeddings from the frames it receives.
 */
export async function humanAnalyser(baseUrl: string): Promise<FaceAnalyser> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const human = new Human({
    backend: 'wasm',
    wasmPath: `${base}wasm/`,
    modelBasePath: `${base}models/`,
    debug: false,
    warmup: 'none',
    cacheModels: false,
    face: HUMAN_FACE,
    ...HUMAN_OTHERS_OFF,
  });
  await human.load();
  return {
    async observe(video) {
      const result = await human.detect(video);
      return result.face.map((face): ObservedFace => ({ box: face.box, live: face.live ?? 0 }));
    },
  };
}

const TAG = 'guard-face-capture';

/** Registers `<guard-face-capture>` (once) now that its chunk is here; not through register.ts, which would pull every core element into this chunk. */
export function defineFaceCapture(): void {
  if (!customElements.get(TAG)) customElements.define(TAG, GuardFaceCapture);
}
