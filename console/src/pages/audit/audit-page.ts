/** The Audit page: every change made through the console, newest first: when, who, what, and before → after. */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import type { AuditEntry } from '../../api.js';
import { i18n } from '../../i18n/i18n.js';
import { diffStyles } from '../../styles.js';
import { ConsolePage } from '../page.js';
import { defineElement } from '../../../../src/index.js';

const PAGE_SIZE = 50;

export class CamfaAuditPage extends ConsolePage {
  static override styles = [...ConsolePage.styles, diffStyles];

  @state() private entries?: AuditEntry[];
  /** Whether the last page was full, so older entries may follow. */
  @state() private more = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private readonly load = (before?: number): Promise<void> =>
    this.attempt(async () => {
      const page = await this.api.audit({ limit: PAGE_SIZE, before });
      this.entries = before !== undefined ? [...(this.entries ?? []), ...page] : page;
      this.more = page.length === PAGE_SIZE;
    });

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('audit.title'), t('audit.intro'))} ${this.renderError(this.error)} ${this.renderEntries()}
    ${this.more ? html`<wa-button @click=${() => this.load(this.entries?.at(-1)?.id)}>${t('common.more')}</wa-button>` : nothing}`;
  }

  private renderEntries(): TemplateResult {
    const { t } = this;
    if (!this.entries) return this.error ? html`` : html`<p role="status">${t('common.loading')}</p>`;
    if (this.entries.length === 0) return html`<p class="empty">${t('audit.empty')}</p>`;
    const when = new Intl.DateTimeFormat(i18n.lang, { dateStyle: 'medium', timeStyle: 'medium' });
    return html`<table>
      <caption class="quiet">
        ${t('audit.intro')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('audit.when')}</th>
          <th scope="col">${t('audit.who')}</th>
          <th scope="col">${t('audit.action')}</th>
          <th scope="col">${t('audit.target')}</th>
          <th scope="col">${t('audit.change')}</th>
        </tr>
      </thead>
      <tbody>
        ${this.entries.map(
          (entry) =>
            html`<tr>
              <td><time datetime=${entry.at}>${when.format(new Date(entry.at))}</time></td>
              <td>${entry.actor}</td>
              <td><code>${entry.action}</code></td>
              <td><code>${entry.target}</code></td>
              <td>${renderDiff(entry.before, entry.after)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

interface Change {
  /** null: neither side is a record, the whole value changed. */
  field: string | null;
  before: unknown;
  after: unknown;
}

/**
 * The fields that differ, each as before → after. A record created or removed (null on the other side) is
 * compared with nothing, field by field, so a creation lists what was created.
 */
function changedFields(before: unknown, after: unknown): Change[] {
  const fieldsOf = (value: unknown, other: unknown) => (isRecord(value) ? value : value === null && isRecord(other) ? {} : undefined);
  const [from, to] = [fieldsOf(before, after), fieldsOf(after, before)];
  if (!from || !to) return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ field: null, before, after }];
  const fields = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return fields.filter((field) => JSON.stringify(from[field]) !== JSON.stringify(to[field])).map((field) => ({ field, before: from[field], after: to[field] }));
}

function renderChange(change: Change): TemplateResult {
  const show = (value: unknown) => (value === undefined ? html`<span class="quiet">—</span>` : html`<code>${JSON.stringify(value)}</code>`);
  return html`<span class="visually-hidden">${i18n.t('audit.before')}:</span> <del>${show(change.before)}</del> →
    <span class="visually-hidden">${i18n.t('audit.after')}:</span> <ins>${show(change.after)}</ins>`;
}

/** A list of named fields; a whole value that changed has no name, and a <dd> without its <dt> is no list. */
function renderDiff(before: unknown, after: unknown): TemplateResult {
  const changes = changedFields(before, after);
  const [whole] = changes;
  if (whole && whole.field === null) return html`<p class="diff">${renderChange(whole)}</p>`;
  return html`<dl class="diff">
    ${changes.map(
      (change) =>
        html`<dt><code>${change.field}</code></dt>
          <dd>${renderChange(change)}</dd>`,
    )}
  </dl>`;
}

defineElement('camfa-audit-page', CamfaAuditPage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-audit-page': CamfaAuditPage;
  }
}
