/**
 * What every console page shares: the API client and the session from the shell, the strings, the heading
 * the shell focuses after a navigation, and the rendering of errors (translated by code, in a live region) and
 * of the viewer's reason why change controls are disabled.
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ConsoleApi, ConsoleSession } from '../api.js';
import { i18n, I18nController } from '../i18n/i18n.js';
import { pageStyles } from '../styles.js';
import '../components.js';

export abstract class ConsolePage extends LitElement {
  static override styles = [pageStyles];

  @property({ attribute: false }) api!: ConsoleApi;
  @property({ attribute: false }) session?: ConsoleSession;

  /** The last failed call's error, shown translated in the page's alert region. */
  @state() protected error?: unknown;
  /** The last success worth announcing, in the page's status region. */
  @state() protected notice = '';

  protected readonly localize = new I18nController(this);
  protected readonly t = this.localize.t;

  /** Editors change things; viewers see every page with its change controls disabled. */
  get canEdit(): boolean {
    return this.session?.admin.role === 'editor';
  }

  /** Called by the shell after a navigation: screen-reader and keyboard users start at the new page's heading. */
  async focusHeading(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('h1')?.focus();
  }

  protected renderHeading(title: string, intro: string): TemplateResult {
    return html`<h1 tabindex="-1">${title}</h1>
      <p class="intro">${intro}</p>
      ${this.canEdit ? nothing : html`<wa-callout variant="neutral" class="viewer-reason">${this.t('common.viewerReason')}</wa-callout>`}`;
  }

  /** Runs a call, showing its refusal (or nothing, when it succeeds) instead of throwing. */
  protected async attempt(work: () => Promise<void>): Promise<void> {
    this.error = undefined;
    this.notice = '';
    try {
      await work();
    } catch (error) {
      this.error = error;
    }
  }

  /** Always rendered, so the live region exists before an error is put in it. */
  protected renderError(error: unknown, id = 'error'): TemplateResult {
    return html`<div id=${id} class="error" role="alert">${error ? i18n.error(error) : nothing}</div>`;
  }
}
