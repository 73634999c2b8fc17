import { html, LitElement } from 'lit';
import { property, state } from 'lit/decorators.js';
import { GuardError } from '../../core/errors.js';
import { LocalizeController, type LocalizedContext } from '../../controllers/localize.js';
import { GuardErrorEvent } from '../../events/error.js';
import { GuardFaceCaptureEvent } from '../../events/face-capture.js';
import type { FaceAnalyser, ObservedFace } from '../../core/chunks.js';
import type { TranslationKey } from '../../i18n/strings.js';
import styles from './face-capture.styles.js';
import { MAX_FRAME_SIDE } from '../../../server-mock/src/protocol/index.js';

export type { FaceAnalyser, ObservedFace };

/** Consecutive good, live observations before the frames are taken. */
export const LIVE_OBSERVATIONS = 3;
export const LIVE_THRESHOLD = 0.5;
const FRAMES = 3;
const FRAME_GAP_MS = 120;
const JPEG_QUALITY = 0.85;
/** Guidance limits, as fractions of the video width: the face at least this wide, its centre this close to the middle, and this still. */
const MIN_FACE = 0.25;
const MAX_OFF_CENTRE = 0.2;
const MAX_MOVEMENT = 0.06;
/** Mean luma (0-255) below which there is too little light to compare faces. */
const MIN_BRIGHTNESS = 50;

type Phase = 'starting' | 'guiding' | 'capturing' | 'done';

const defaultCamera = () => navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });

/**
 * @tag guard-face-capture
 * @summary The camera part of the face factor: a preview with live guidance (framing, light, hold still), a
 * liveness step over consecutive frames, then three JPEG frames for the backend, which decides. Loaded
 * with the face chunk; the camera stops once the frames are taken and whenever the element leaves the page.
 *
 * @event {{ frames: string[] }} guard-face-capture - The frames (JPEG data: URLs) are ready to send.
 * @event {{ error: GuardError }} guard-error - The camera could not be used (`camera_denied`, `camera_unavailable`).
 *
 * @csspart preview - The `<video>`.
 * @csspart guidance - What the user should do now (a polite live region).
 *
 * @cssproperty [--preview-width=100%] - Width of the preview.
 */
export class GuardFaceCapture extends LitElement {
  static override styles = styles;

  @property({ attribute: false }) context?: LocalizedContext;
  /** Resolves the analyser (the face chunk loads Human and its models here). */
  @property({ attribute: false }) analyser?: Promise<FaceAnalyser>;
  /** Opens the camera; tests pass a stream of their own. */
  @property({ attribute: false }) camera: () => Promise<MediaStream> = defaultCamera;

  @state() private phase: Phase = 'starting';
  /** Empty once the frames are taken: the step-up then says what happens. */
  @state() private guidance: TranslationKey | '' = 'face.loading';

  private readonly localize = new LocalizeController(this);
  private stream: MediaStream | undefined;
  private previous: ObservedFace | undefined;
  private goodInARow = 0;
  /** Bumped on every start and stop, so a loop from before stops by itself. */
  private run = 0;

  private get video(): HTMLVideoElement {
    return this.renderRoot.querySelector('video')!;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.updateComplete.then(() => this.restart());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  /** Starts (again) from the camera: after a refused attempt, the user tries once more. */
  async restart(): Promise<void> {
    this.stop();
    const run = this.run;
    this.phase = 'starting';
    this.guidance = 'face.loading';
    this.goodInARow = 0;
    this.previous = undefined;
    let stream: MediaStream;
    try {
      stream = await this.camera();
    } catch (caught) {
      const name = (caught as { name?: string } | undefined)?.name;
      const code = name === 'NotAllowedError' || name === 'SecurityError' ? 'camera_denied' : 'camera_unavailable';
      return this.fail(run, new GuardError(code, String(caught), { cause: caught }));
    }
    if (run !== this.run || !this.isConnected) return void stream.getTracks().forEach((track) => track.stop());
    this.stream = stream;
    const video = this.video;
    video.srcObject = stream;
    // The preview runs while the models are still loading.
    await video.play().catch(() => undefined);
    try {
      await this.analyser;
    } catch (caught) {
      this.stop();
      return this.fail(run, GuardError.from(caught));
    }
    if (run !== this.run) return;
    this.phase = 'guiding';
    this.guidance = 'face.guideNoFace';
    void this.observe(run);
  }

  private fail(run: number, error: GuardError): void {
    if (run === this.run) this.dispatchEvent(new GuardErrorEvent(error));
  }

  /** Stops the camera and any observation in progress. */
  stop(): void {
    this.run += 1;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = undefined;
    if (this.phase !== 'done') this.phase = 'starting';
  }

  private async observe(run: number): Promise<void> {
    const analyser = await this.analyser!;
    while (run === this.run && this.phase === 'guiding') {
      const video = this.video;
      const faces = video.videoWidth > 0 ? await analyser.observe(video).catch(() => []) : [];
      if (run !== this.run) return;
      const guidance = this.guide(faces, video);
      this.guidance = guidance ?? 'face.guideLive';
      const face = faces[0];
      this.goodInARow = guidance === null && face && face.live >= LIVE_THRESHOLD ? this.goodInARow + 1 : 0;
      this.previous = face;
      if (this.goodInARow >= LIVE_OBSERVATIONS) return this.capture(run);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** What the user must change, or null when the frame is good. */
  private guide(faces: ObservedFace[], video: HTMLVideoElement): TranslationKey | null {
    const width = video.videoWidth || 1;
    const [face] = faces;
    if (!face) return 'face.guideNoFace';
    if (faces.length > 1) return 'errors.face_multiple';
    const [x, y, w, h] = face.box;
    if (w < MIN_FACE * width) return 'face.guideCloser';
    if (Math.abs(x + w / 2 - width / 2) > MAX_OFF_CENTRE * width || Math.abs(y + h / 2 - video.videoHeight / 2) > MAX_OFF_CENTRE * video.videoHeight) {
      return 'face.guideCentre';
    }
    if (brightness(video) < MIN_BRIGHTNESS) return 'face.guideLight';
    const before = this.previous?.box;
    if (before && Math.hypot(before[0] - x, before[1] - y) > MAX_MOVEMENT * width) return 'face.guideHold';
    return null;
  }

  private async capture(run: number): Promise<void> {
    this.phase = 'capturing';
    this.guidance = 'face.capturing';
    const frames: string[] = [];
    for (let n = 0; n < FRAMES; n++) {
      if (n > 0) await new Promise((resolve) => setTimeout(resolve, FRAME_GAP_MS));
      if (run !== this.run) return;
      frames.push(jpegFrame(this.video));
    }
    this.stop();
    this.phase = 'done';
    this.guidance = '';
    this.dispatchEvent(new GuardFaceCaptureEvent(frames));
  }

  protected override render() {
    const { t } = this.localize;
    return html`<video part="preview" aria-label=${t('face.preview')} muted playsinline></video>
      <p part="guidance" role="status" aria-live="polite">${this.guidance && t(this.guidance)}</p>`;
  }
}

function canvasOf(video: HTMLVideoElement, maxSide: number): CanvasRenderingContext2D {
  const scale = Math.min(1, maxSide / Math.max(video.videoWidth, video.videoHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return context;
}

/** Mean luma of a 32-pixel-wide thumbnail of the frame. */
function brightness(video: HTMLVideoElement): number {
  const context = canvasOf(video, 32);
  const { data } = context.getImageData(0, 0, context.canvas.width, context.canvas.height);
  let sum = 0;
  for (let index = 0; index < data.length; index += 4) sum += 0.299 * data[index]! + 0.587 * data[index + 1]! + 0.114 * data[index + 2]!;
  return sum / (data.length / 4);
}

/** The frame as the backend takes it: JPEG, at most 640 px on its longest side. */
function jpegFrame(video: HTMLVideoElement): string {
  return canvasOf(video, MAX_FRAME_SIDE).canvas.toDataURL('image/jpeg', JPEG_QUALITY);
}
