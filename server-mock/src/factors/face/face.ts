import { randomBytes } from 'node:crypto';
import type { Storage } from '../../storage/types.js';
import type { Clock } from '../../types.js';
import { openSecret, sealSecret, type FactorKeyring } from '../crypto.js';
import { FrameError, type DetectedFace, type FaceModels } from './model.js';

/** What a deployment tunes; see the README's "Face" section for how the defaults were chosen. */
export interface FaceSettings {
  /** Human similarity (0–1) at or above which a frame matches the template. */
  threshold: number;
  /** Mean liveness score (0–1) the frames must reach. */
  livenessThreshold: number;
  /** Smallest face side, in pixels, that is analysed; smaller faces are "too small" (or ignored beside a big one). */
  minFacePixels: number;
}

export const FACE_DEFAULTS: FaceSettings = { threshold: 0.7, livenessThreshold: 0.5, minFacePixels: 64 };

/** A frame the factor could not use, with the stable problem code the route answers. */
export class FaceFrameError extends Error {
  constructor(
    readonly code: 'face_frame_invalid' | 'face_not_found' | 'face_multiple' | 'face_too_small',
    message: string,
    readonly frame: number,
  ) {
    super(message);
  }
}

export interface FaceSubject {
  appId: string;
  originalIdentity: string;
}

export type FaceResult =
  { verified: true; similarity: number } | { verified: false; reason: 'face_mismatch' | 'face_not_live' | 'not_enrolled'; similarity?: number };

/** Decoded bytes a frame may have: a 640×640 JPEG at quality 0.85 is well under it. */
export const MAX_FRAME_BYTES = 150 * 1024;
/** Frames per request: the browser sends three. */
export const MAX_FRAMES = 5;
const DATA_URL = /^data:image\/jpeg;base64,/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** JPEG bytes of frames sent as base64 or `data:image/jpeg;base64,` URLs; anything else is `face_frame_invalid`. */
export function decodeFrames(frames: string[]): Uint8Array[] {
  return frames.map((frame, index) => {
    const base64 = frame.replace(DATA_URL, '');
    const bytes = BASE64.test(base64) ? Buffer.from(base64, 'base64') : null;
    if (bytes === null || bytes.length === 0) throw new FaceFrameError('face_frame_invalid', `Frame ${index + 1} is not a base64 JPEG image`, index);
    if (bytes.length > MAX_FRAME_BYTES) throw new FaceFrameError('face_frame_invalid', `Frame ${index + 1} is over ${MAX_FRAME_BYTES} bytes`, index);
    return bytes;
  });
}

/** The associated data a template is sealed under: it opens only in its own enrolment's row. */
export const faceSealContext = (enrolmentId: string): string => `face:${enrolmentId}`;

/**
 * Face verification decided on the server: the browser sends JPEG frames, never an embedding. Each frame
 * must hold exactly one face big enough to analyse; the frames together must look live; the template is
 * the embedding of the enrolment's most confident face, sealed with AES-256-GCM under its enrolment id.
 */
export class FaceFactor {
  constructor(private readonly options: { storage: Storage; keyring: FactorKeyring; clock: Clock; models: FaceModels; settings: FaceSettings }) {}

  /** The one usable face of each frame; throws FaceFrameError for the first frame that has none. */
  async analyse(frames: Uint8Array[]): Promise<DetectedFace[]> {
    const faces: DetectedFace[] = [];
    for (const [index, frame] of frames.entries()) {
      let found: DetectedFace[];
      try {
        found = await this.options.models.detect(frame);
      } catch (error) {
        if (error instanceof FrameError) throw new FaceFrameError('face_frame_invalid', `Frame ${index + 1}: ${error.message}`, index);
        throw error;
      }
      const big = found.filter((face) => Math.min(face.box[2], face.box[3]) >= this.options.settings.minFacePixels);
      if (found.length === 0) throw new FaceFrameError('face_not_found', `No face was found in frame ${index + 1}`, index);
      if (big.length === 0) throw new FaceFrameError('face_too_small', `The face in frame ${index + 1} is too small; come closer`, index);
      if (big.length > 1) throw new FaceFrameError('face_multiple', `More than one face is in frame ${index + 1}`, index);
      faces.push(big[0]!);
    }
    return faces;
  }

  /** Whether the frames, taken together, look like a live person in front of the camera. */
  live(faces: DetectedFace[]): boolean {
    return faces.reduce((sum, face) => sum + face.live, 0) / faces.length >= this.options.settings.livenessThreshold;
  }

  /** Stores the template of a live enrolment as the user's only face enrolment; returns its id. */
  async enrol(subject: FaceSubject, faces: DetectedFace[]): Promise<{ enrolled: true; enrolmentId: string } | { enrolled: false; reason: 'face_not_live' }> {
    if (!this.live(faces)) return { enrolled: false, reason: 'face_not_live' };
    const best = faces.reduce((a, b) => (b.score > a.score ? b : a));
    const enrolmentId = randomBytes(16).toString('base64url');
    const now = this.options.clock();
    await this.options.storage.insertFactorEnrolment({
      id: enrolmentId,
      ...subject,
      type: 'face',
      status: 'pending',
      secret: sealSecret(JSON.stringify(best.embedding), this.options.keyring, faceSealContext(enrolmentId)),
      destination: null,
      lastUsedStep: null,
      createdAt: now,
      activatedAt: null,
    });
    // Activation replaces any older face template of the user in the same transaction.
    await this.options.storage.activateFactorEnrolment({ id: enrolmentId, activatedAt: now, lastUsedStep: null });
    return { enrolled: true, enrolmentId };
  }

  /** Compares every frame with the user's template. */
  async verify(subject: FaceSubject, faces: DetectedFace[]): Promise<FaceResult> {
    const enrolment = (await this.options.storage.listFactorEnrolments(subject.appId, subject.originalIdentity)).find(
      (item) => item.type === 'face' && item.status === 'active' && item.secret !== null,
    );
    if (!enrolment) return { verified: false, reason: 'not_enrolled' };
    if (!this.live(faces)) return { verified: false, reason: 'face_not_live' };
    const template = JSON.parse(openSecret(enrolment.secret!, this.options.keyring, faceSealContext(enrolment.id))) as number[];
    // Every frame must match: the weakest frame decides, so a photo of the user cannot ride along with
    // live frames of someone else.
    let similarity = 1;
    for (const face of faces) similarity = Math.min(similarity, await this.options.models.similarity(template, face.embedding));
    return similarity >= this.options.settings.threshold ? { verified: true, similarity } : { verified: false, reason: 'face_mismatch', similarity };
  }
}
