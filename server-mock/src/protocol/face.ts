import type { Config } from '@vladmandic/human';

/**
 * How both halves run Human (`@vladmandic/human`): the browser chunk for guidance and liveness, the backend
 * for the decision. They load the same models with the same settings, so what the browser says it sees is
 * what the backend then judges; the backend alone adds face descriptions (embeddings) and rotation.
 */

/** Frames larger than this on their longest side are refused; the browser captures at most this. */
export const MAX_FRAME_SIDE = 640;

/**
 * The models the browser chunk loads from the backend (`FACE_ASSET_PATHS.models`): the ones `HUMAN_FACE`
 * enables. Never `faceres`: embeddings are computed on the backend from the frames it receives.
 */
export const BROWSER_FACE_MODELS = ['blazeface', 'facemesh', 'liveness'] as const;

/** The face settings both sides use. */
export const HUMAN_FACE = {
  enabled: true,
  // Two, so a second face in the frame is seen and refused instead of silently ignored.
  detector: { enabled: true, rotation: false, maxDetected: 2, minConfidence: 0.3, return: false },
  mesh: { enabled: true },
  iris: { enabled: false },
  emotion: { enabled: false },
  description: { enabled: false },
  // Antispoof scores ordinary photos as low as 0.24 "real": too noisy to decide on; liveness decides.
  antispoof: { enabled: false },
  liveness: { enabled: true },
} as Config['face'];

/** Everything but faces, off on both sides. */
export const HUMAN_OTHERS_OFF = {
  body: { enabled: false } as Config['body'],
  hand: { enabled: false } as Config['hand'],
  gesture: { enabled: false },
  object: { enabled: false } as Config['object'],
  segmentation: { enabled: false } as Config['segmentation'],
  filter: { enabled: false } as Config['filter'],
} satisfies Partial<Config>;
