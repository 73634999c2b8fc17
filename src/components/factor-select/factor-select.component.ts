import { html, LitElement, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import type { StepUpFactor } from '../../core/types.js';
import { LocalizeController } from '../../controllers/localize.js';
import { GuardFactorSelectEvent } from '../../events/factor-select.js';
import type { GuardContext } from '../../controllers/context.js';
import styles from './factor-select.styles.js';

const usable = (factor: StepUpFactor) => factor.enrolled || factor.enrollable;

/**
 * @tag guard-factor-select
 * @summary The step-up's factors in policy order: set-up ones highlighted and marked "Ready", ones the user may
 * set up now marked so, the rest shown but unavailable. Buttons in a list; the arrow keys move between them too.
 *
 * @event {{ type: FactorType, enrolled: boolean }} guard-factor-select - The user chose a factor.
 *
 * @csspart base - The wrapper.
 * @csspart error - The error region (role="alert"): says so when no factor can be used.
 * @csspart list - The list of factors.
 * @csspart option - One factor's button.
 * @csspart option-name - The factor's name.
 * @csspart option-description - What the factor does, with the masked phone or e-mail address when known.
 * @csspart option-badge - The factor's state: "Ready", "Set up now" or "Not set up"; right after the name, in the option's accessible name too.
 * @csspart option-ready - The "Ready" badge of a factor the user has set up.
 * @csspart option-recommended - "Recommended", on the first factor the user can use (the policy lists the best first).
 *
 * @cssproperty [--gap=var(--guard-spacing-s)] - Space between the factors.
 */
export class GuardFactorSelect extends LitElement {
  static override styles = styles;
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  @property({ attribute: false }) context?: GuardContext;
  /** From `api.factors(stateToken)`, in the policy's order. */
  @property({ attribute: false }) factors: StepUpFactor[] = [];

  private readonly localize = new LocalizeController(this);

  /** Up and Down move between the choices, as in a menu; Tab still works. */
  private onKeydown(event: KeyboardEvent): void {
    const step = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
    if (!step) return;
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('button:enabled')];
    const index = buttons.indexOf(this.shadowRoot!.activeElement as HTMLButtonElement);
    buttons.at((index + step) % buttons.length)?.focus();
    event.preventDefault();
  }

  /** What the factor does; a code factor without a known destination says how the code comes, not "on ." */
  private describe(factor: StepUpFactor): string {
    const { t } = this.localize;
    if ((factor.type === 'sms' || factor.type === 'email') && !factor.hint) return t(`factors.${factor.type}.withoutHint`);
    return t(`factors.${factor.type}.description`, { hint: factor.hint ?? '' });
  }

  protected override render() {
    const { t } = this.localize;
    const none = this.factors.length > 0 && !this.factors.some(usable);
    // The policy lists the factors best first: the first one the user can use is its recommendation.
    const recommended = this.factors.find(usable);
    return html`<div part="base" class="base">
      <div part="error" class="error" role="alert" aria-live="assertive">${none ? t('factors.none') : ''}</div>
      <ul part="list" @keydown=${this.onKeydown}>
        ${this.factors.map(
          (factor) =>
            // The state follows the name in the markup (the styles put it on the name's row): the button's name,
            // taken from all its text as its visible label, then says "Text message Ready" before the details.
            html`<li>
              <button
                part="option"
                ?disabled=${!usable(factor)}
                @click=${() => this.dispatchEvent(new GuardFactorSelectEvent({ type: factor.type, enrolled: factor.enrolled }))}
              >
                <span part="option-name">${t(`factors.${factor.type}.name`)}</span>
                <span part=${factor.enrolled ? 'option-badge option-ready' : 'option-badge'}
                  >${t(factor.enrolled ? 'factors.enrolled' : factor.enrollable ? 'factors.enrollable' : 'factors.unavailable')}</span
                >
                ${factor === recommended ? html`<span part="option-recommended">${t('factors.recommended')}</span>` : nothing}
                <span part="option-description" class="muted">${this.describe(factor)}</span>
              </button>
            </li>`,
        )}
      </ul>
    </div>`;
  }
}
