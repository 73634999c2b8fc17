import type { FactorType } from '../core/types.js';

/** `<guard-factor-select>`: the user chose a factor; `enrolled: false` means they chose to set it up. */
export class GuardFactorSelectEvent extends Event {
  static readonly type = 'guard-factor-select';
  readonly detail: { type: FactorType; enrolled: boolean };

  constructor(detail: { type: FactorType; enrolled: boolean }) {
    super(GuardFactorSelectEvent.type, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'guard-factor-select': GuardFactorSelectEvent;
  }
}
