import { expect } from 'chai';
import { until, visibleStrings } from '../../../../src/test-support/elements.js';
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
});
