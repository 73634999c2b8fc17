import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config, Human } from '@vladmandic/human';
import jpeg from 'jpeg-js';
import { HUMAN_FACE, HUMAN_OTHERS_OFF, MAX_FRAME_SIDE } from '../../protocol/index.js';

const require = createRequire(import.meta.url);

/** Where the installed packages keep what both the server and the browser chunk load. */
export const HUMAN_MODELS_DIR = join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
export const TFJS_WASM_DIR = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));

/** One face Human found in a frame: its box in pixels, detector confidence, liveness score and embedding. */
export interface DetectedFace {
  box: [number, number, number, number];
  score: number;
  live: number;
  embedding: number[];
}

export class FrameError extends Error {
  constructor(readonly reason: 'invalid' | 'too_large') {
    super(reason === 'invalid' ? 'the frame is not a JPEG image' : `frames are limited to ${MAX_FRAME_SIDE}×${MAX_FRAME_SIDE} pixels`);
  }
}

type HumanModule = { Human: new (config: Partial<Config>) => Human };

/**
 * Human's Node build over the tfjs WebAssembly backend (no native addon to compile), with the models of
 * its npm package. The package's `exports` map does not expose `human.node-wasm.js`, so it is required
 * by path; Node's fetch cannot read file:// URLs, so a tfjs load router reads the model files instead.
 */
async function createHuman(): Promise<Human> {
  const { Human: HumanClass } = require(join(dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js')) as HumanModule;
  const human = new HumanClass({
    backend: 'wasm',
    wasmPath: `${TFJS_WASM_DIR}/`,
    modelBasePath: `${pathToFileURL(HUMAN_MODELS_DIR).href}/`,
    debug: false,
    async: false,
    // The browser's settings plus what only the decision needs: rotation to align faces, descriptions (embeddings).
    face: { ...HUMAN_FACE, detector: { ...HUMAN_FACE.detector, rotation: true }, description: { enabled: true } },
    ...HUMAN_OTHERS_OFF,
  });
  human.tf.io.registerLoadRouter((url: string | string[]) =>
    typeof url === 'string' && url.startsWith('file://') ? { load: async () => readModel(url) } : null,
  );
  const listeners = () => ({ exceptions: process.listeners('uncaughtException'), rejections: process.listeners('unhandledRejection') });
  const before = listeners();
  await human.load();
  // The tfjs wasm glue (Emscripten) adds process-wide handlers that rethrow; the server keeps its own error handling.
  const after = listeners();
  for (const listener of after.exceptions) if (!before.exceptions.includes(listener)) process.removeListener('uncaughtException', listener);
  for (const listener of after.rejections) if (!before.rejections.includes(listener)) process.removeListener('unhandledRejection', listener);
  return human;
}

/** A tfjs model artifact from a model.json and its weight files. The signature is what names faceres' embedding output. */
function readModel(url: string) {
  const file = new URL(url);
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    modelTopology: unknown;
    signature?: unknown;
    userDefinedMetadata?: unknown;
    modelInitializer?: unknown;
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    weightsManifest: { paths: string[]; weights: unknown[] }[];
  };
  const weights = Buffer.concat(json.weightsManifest.flatMap((group) => group.paths.map((path) => readFileSync(new URL(path, file)))));
  return {
    modelTopology: json.modelTopology,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  } as never;
}

/**
 * The face models of this process: loaded once, on first use (or at start when the config asks), and
 * shared by every request. Detection runs one frame at a time: the wasm backend is single-threaded anyway,
 * and interleaved async detections on one Human instance would share its intermediate state.
 */
export class FaceModels {
  private human: Promise<Human> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Milliseconds the models took to load, once they have. */
  loadMs: number | null = null;

  load(): Promise<Human> {
    if (!this.human) {
      const started = performance.now();
      this.human = createHuman().then((human) => {
        this.loadMs = performance.now() - started;
        return human;
      });
      // A failed load is retried by the next request instead of failing every request until restart.
      this.human.catch(() => (this.human = null));
    }
    return this.human;
  }

  /** The faces in a JPEG frame (at most two). Throws FrameError for anything that is not a JPEG within bounds. */
  async detect(frame: Uint8Array): Promise<DetectedFace[]> {
    const human = await this.load();
    const pixels = decodeFrame(frame);
    const run = this.queue.then(async () => {
      const tensor = human.tf.tensor4d(pixels.rgb, [1, pixels.height, pixels.width, 3], 'int32');
      try {
        const result = await human.detect(tensor as never);
        return result.face.map((face): DetectedFace => ({ box: face.box, score: face.score, live: face.live ?? 0, embedding: face.embedding ?? [] }));
      } finally {
        human.tf.dispose(tensor);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Human's similarity of two embeddings: 0 (different) … 1 (identical). */
  async similarity(a: number[], b: number[]): Promise<number> {
    return (await this.load()).match.similarity(a, b);
  }
}

/** RGB pixels of a JPEG, refusing oversized images from the header before any pixel is decoded. */
function decodeFrame(frame: Uint8Array): { rgb: Uint8Array; width: number; height: number } {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(frame, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: (MAX_FRAME_SIDE * MAX_FRAME_SIDE) / 1_000_000,
      maxMemoryUsageInMB: 16,
    });
  } catch (error) {
    throw new FrameError(/maxResolutionInMP|maxMemoryUsage/.test(String(error)) ? 'too_large' : 'invalid');
  }
  if (image.width > MAX_FRAME_SIDE || image.height > MAX_FRAME_SIDE || image.width < 1 || image.height < 1) throw new FrameError('too_large');
  const rgb = new Uint8Array(image.width * image.height * 3);
  for (let source = 0, target = 0; source < image.data.length; source += 4) {
    rgb[target++] = image.data[source]!;
    rgb[target++] = image.data[source + 1]!;
    rgb[target++] = image.data[source + 2]!;
  }
  return { rgb, width: image.width, height: image.height };
}
