import { expect } from 'chai';
import { expectNoAxeViolations } from '../../../../src/test-support/axe.js';
import { until, visibleStrings } from '../../../../src/test-support/elements.js';
import type { AuditEntry, ConsoleApi } from '../../api.js';
import { testConsole } from '../../test-support/console-server.js';
import type { CamfaAuditPage } from './audit-page.js';
import './audit-page.js';

describe('<camfa-audit-page>', () => {
  let page: CamfaAuditPage | undefined;
  afterEach(() => page?.remove());

  it('lists each change with when, who, action, target and the changed fields before → after', async () => {
    const { api } = await testConsole();
    page = document.createElement('camfa-audit-page');
    page.api = api;
    page.session = await api.session();
    document.body.append(page);
    await until(() => page!.shadowRoot?.querySelector('tbody tr') != null, 'the entries');
    const headers = [...page.shadowRoot!.querySelectorAll('th')].map((th) => th.textContent);
    expect(headers).to.deep.equal(['When', 'Who', 'Action', 'Target', 'Change']);
    const cells = [...page.shadowRoot!.querySelectorAll('tbody td')];
    expect(cells[0]!.querySelector('time')!.getAttribute('datetime')).to.equal('2026-01-02T03:04:05.000Z');
    expect(cells.slice(1, 4).map((cell) => cell.textContent)).to.deep.equal(['ada', 'app.update', 'shop']);
    expect(cells[4]!.querySelector('dt')!.textContent).to.equal('factors');
    expect(cells[4]!.querySelector('del')!.textContent).to.equal('["totp","sms"]');
    expect(cells[4]!.querySelector('ins')!.textContent).to.equal('["totp"]');
    // Screen readers hear which side is which; the arrow alone would say nothing.
    expect(visibleStrings(cells[4]!).join(' ')).to.match(/Before\s*:.*→.*After\s*:/);
  });

  it('lists what a creation created field by field, a whole value as one change, and stays valid markup', async () => {
    const entry = (id: number, action: string, before: unknown, after: unknown): AuditEntry => ({
      id,
      at: '2026-01-02T03:04:05.000Z',
      actor: 'ada',
      action,
      target: 'bank',
      before,
      after,
    });
    const entries = [entry(3, 'app.create', null, { id: 'bank', factors: ['sms'] }), entry(2, 'note', 'old', 'new'), entry(1, 'session.start', null, null)];
    page = document.createElement('camfa-audit-page');
    // Only the audit call is made; the test server's log has none of these shapes.
    page.api = { audit: async () => entries } as unknown as ConsoleApi;
    page.session = { admin: { name: 'ada', role: 'editor' }, csrfToken: 'unused' };
    document.body.append(page);
    await until(() => page!.shadowRoot?.querySelectorAll('tbody tr').length === 3, 'the entries');
    const [created, whole, session] = [...page.shadowRoot!.querySelectorAll('tbody tr')].map((row) => row.querySelector('td:last-child')!);
    expect([...created!.querySelectorAll('dt')].map((dt) => dt.textContent)).to.deep.equal(['factors', 'id']);
    expect([...created!.querySelectorAll('ins')].map((ins) => ins.textContent)).to.deep.equal(['["sms"]', '"bank"']);
    expect([...created!.querySelectorAll('del')].map((del) => del.textContent)).to.deep.equal(['—', '—']);
    expect(whole!.querySelector('dl')).to.equal(null);
    expect(whole!.querySelector('del')!.textContent).to.equal('"old"');
    expect(whole!.querySelector('ins')!.textContent).to.equal('"new"');
    expect(session!.querySelector('del, ins')).to.equal(null);
    await expectNoAxeViolations(page);
  });
});
