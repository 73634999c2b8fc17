/** `<guard-face-capture>`: the user passed the guidance and liveness steps; `frames` are JPEG data: URLs. */
export class GuardFaceCaptureEvent extends Event {
  static readonly type = 'guard-face-capture';
  readonly detail: { frames: string[] };

  constructor(frames: string[]) {
    super(GuardFaceCaptureEvent.type, { bubbles: true, composed: true });
    this.detail = { frames };
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'guard-face-capture': GuardFaceCaptureEvent;
  }
}
