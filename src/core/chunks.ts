/**
 * The shapes of the lazy chunks (`src/chunks/`), declared here so `lazy.ts`, `core/` and the flows can name
 * them without importing a chunk, and through it the elements a chunk carries (`<guard-face-capture>`).
 */
import type * as SimpleWebAuthn from '@simplewebauthn/browser';
import type { GuardErrorCode } from './errors.js';

/** SimpleWebAuthn's browser half (`chunks/webauthn.ts`), and what the browser's refusals mean to the user. */
export type WebAuthnChunk = Pick<
  typeof SimpleWebAuthn,
  'browserSupportsWebAuthn' | 'browserSupportsWebAuthnAutofill' | 'startAuthentication' | 'startRegistration' | 'WebAuthnAbortService'
> & { readonly REFUSALS: Readonly<Record<string, GuardErrorCode>> };

/** `chunks/qrcode.ts`. */
export interface QrCodeChunk {
  qrSvg(text: string): Promise<string>;
  /** `qrSvg`'s markup parsed into an element. */
  qrElement(text: string): Promise<Element>;
}

/** `chunks/fingerprint.ts`. */
export interface FingerprintChunk {
  visitorId(): Promise<string>;
}

/** A face the analyser saw in a video frame: its box in video pixels (x, y, width, height) and liveness score (0-1). */
export interface ObservedFace {
  box: [number, number, number, number];
  live: number;
}

/** What looks at the video: Human in the face chunk, a stub in tests. */
export interface FaceAnalyser {
  observe(video: HTMLVideoElement): Promise<ObservedFace[]>;
}

/** `chunks/face.ts`: Human (with tfjs) and `<guard-face-capture>`. */
export interface FaceChunk {
  humanAnalyser(baseUrl: string): Promise<FaceAnalyser>;
  /** Registers `<guard-face-capture>` (once). */
  defineFaceCapture(): void;
}
