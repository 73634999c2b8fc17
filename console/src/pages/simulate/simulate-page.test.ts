import { expect } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import { expectNoAxeViolations } from '../../../../src/test-support/axe.js';
import { deepActiveElement, until, visibleStrings } from '../../../../src/test-support/elements.js';
import { testConsole, type TestConsole } from '../../test-support/console-server.js';
import { loadTheme, mountConsole } from '../../test-support/page.js';
import { applyTheme } from '../../theme.js';
import { loadPolicyEditor } from '../policies/editor-slot.js';
import type { PolicyEditor } from '../../policy-editor/index.js';
import type { CamfaSimulatePage } from './simulate-page.js';
import './simulate-page.js';

type Control = HTMLElement & { value: string; updateComplete: Promise<boolean> };

const $ = <T extends Element = Control>(page: CamfaSimulatePage, selector: string) => page.shadowRoot!.querySelector<T>(selector);
const click = (element: Element | null) => (element as HTMLElement).shadowRoot!.querySelector('button')!.click();
const text = (element: Element | null) => visibleStrings(element!).join(' ');

async function choose(page: CamfaSimulatePage, selector: string, value: string): Promise<void> {
  const select = $(page, selector)!;
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
  await select.updateComplete;
  await until(() => $(page, '#run-form')?.getAttribute('aria-busy') === 'false', `${value} loaded`);
}

async function mount(options: { role?: 'editor' | 'viewer' } = {}): Promise<{ page: CamfaSimulatePage; server: TestConsole }> {
  const server = await testConsole(options);
  const page = document.createElement('camfa-simulate-page');
  page.api = server.api;
  page.session = await server.api.session();
  document.body.append(page);
  await until(() => $(page, 'camfa-policy-editor') !== null, 'the first workflow in the editor');
  return { page, server };
}

async function run(page: CamfaSimulatePage): Promise<void> {
  click($(page, '#run'));
  await until(() => $(page, '#outcome') !== null, 'the decision');
}

describe('<camfa-simulate-page>', () => {
  let page: CamfaSimulatePage | undefined;
  before(() => loadPolicyEditor());
  afterEach(() => page?.remove());

  it('runs a typed event from a new country: step-up, the rule and factors, the statistic values and the lit path', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    const workflow = $(page, '#workflow')!;
    workflow.value = 'shop/login';
    workflow.dispatchEvent(new Event('change', { bubbles: true }));
    await page.updateComplete;
    // Until the chosen workflow has loaded, a run would judge the previous one.
    expect($(page, '#run-form')!.getAttribute('aria-busy')).to.equal('true');
    expect($(page, '#run')!.hasAttribute('disabled')).to.equal(true);
    await until(() => $(page!, '#run-form')!.getAttribute('aria-busy') === 'false', 'the choice loaded');
    expect($(page, '#run-for')).to.equal(null);
    $(page, 'wa-input[name="originalIdentity"]')!.value = 'bob';
    $(page, 'wa-input[name="country"]')!.value = 'FR';
    $(page, 'wa-input[name="city"]')!.value = 'Paris';
    await run(page);
    expect(text($(page, '#outcome'))).to.equal(
      'Outcome Step-up Rule new-country Factors offered Authenticator app (TOTP), Text message Message New country ACR mfa',
    );
    expect(text($(page, '#statistics'))).to.contain('known ["GB"]');
    const editor = $<PolicyEditor>(page, 'camfa-policy-editor')!;
    expect(editor.readonly).to.equal(true);
    expect(editor.explanation?.firedRule).to.equal('new-country');
    const simulate = (await server.log()).find((entry) => entry.path === '/workflows/login/simulate')!;
    expect(simulate.query).to.equal('app=shop');
    expect(text($(page, '[role="status"]'))).to.equal('Decision: step-up, rule new-country.');
  });

  it('runs a global workflow for a chosen app against one of its recent real events', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    await choose(page, '#workflow', '/login');
    expect($(page, '#run-for')!.value).to.equal('shop');
    await choose(page, '#event-source', 'recent');
    await until(() => $(page!, 'wa-select[name="eventId"]') !== null, 'the recent events');
    const options = [...page.shadowRoot!.querySelectorAll('wa-select[name="eventId"] wa-option')].map((option) => option.getAttribute('value'));
    expect(options).to.deep.equal(['e3', 'e2', 'e1']);
    $(page, 'wa-select[name="eventId"]')!.value = 'e2';
    await run(page);
    expect(text($(page, '#outcome'))).to.contain('Outcome No step-up Rule None');
    const events = (await server.log()).find((entry) => entry.path === '/apps/shop/events')!;
    expect(events.query).to.equal('limit=50');
  });

  it('replays the last N events: how many decisions would change, and which', async () => {
    ({ page } = await mount());
    // Version 4 of shop/login has no rules: against the version in force (5), the Paris login would no longer step up.
    const server = page.api;
    const versions = await server.workflowVersions('login', 'shop');
    await server.saveDraft('login', 'shop', { source: versions.find((version) => version.version === 4)!.source });
    await choose(page, '#workflow', 'shop/login');
    await until(() => $(page!, '#version')!.value === 'draft', 'the draft chosen');
    click($(page, '#replay-run'));
    await until(() => $(page!, '#replay-summary') !== null, 'the replay');
    expect(text($(page, '#replay-summary'))).to.equal('1 of 3 decisions would change.');
    const rows = [...page.shadowRoot!.querySelectorAll('#replay-changes tbody tr')];
    expect(rows.map((row) => row.getAttribute('data-event'))).to.deep.equal(['e3']);
    expect(text(rows[0]!)).to.match(/ bob Step-up \(new-country\) No step-up$/);
  });

  it('shows an invalid draft’s errors on its nodes instead of a decision', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    await server.api.saveDraft('login', 'shop', { document: { id: 'login', modes: ['api'], rules: [] } });
    await choose(page, '#workflow', 'shop/login');
    await until(() => $(page!, '#version')!.value === 'draft', 'the draft chosen');
    click($(page, '#run'));
    await until(() => text($(page!, '#error')).includes('The workflow is invalid'), 'the refusal');
    expect($<PolicyEditor>(page, 'camfa-policy-editor')!.errors.map((error) => error.field)).to.deep.equal(['name']);
  });

  it('lets a viewer simulate (it changes nothing)', async () => {
    ({ page } = await mount({ role: 'viewer' }));
    await choose(page, '#workflow', 'shop/login');
    $(page, 'wa-input[name="country"]')!.value = 'GB';
    await run(page);
    expect(text($(page, '#outcome'))).to.contain('Outcome No step-up');
  });

  it('runs a simulation with the keyboard alone', async () => {
    ({ page } = await mount());
    await choose(page, '#workflow', 'shop/login');
    await page.focusHeading();
    const inField = (name: string) => () =>
      deepActiveElement()?.closest(`[name="${name}"]`) != null ||
      ((deepActiveElement()?.getRootNode() as ShadowRoot)?.host?.getAttribute('name') ?? '') === name;
    for (let step = 0; step < 60 && !inField('country')(); step += 1) await sendKeys({ press: 'Tab' });
    expect(inField('country')(), 'the country field').to.equal(true);
    await sendKeys({ type: 'JP' });
    await sendKeys({ press: 'Enter' });
    await until(() => $(page!, '#outcome') !== null, 'the decision');
    expect(text($(page, '#outcome'))).to.contain('Outcome Step-up Rule new-country');
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`finds nothing under axe-core with a decision and a replay shown, ${theme} theme`, async () => {
      await loadTheme();
      applyTheme(theme);
      const { api } = await testConsole();
      const { shell, unmount } = mountConsole(api, '/console/simulate');
      try {
        await until(() => shell.querySelector('camfa-simulate-page')?.shadowRoot?.querySelector('camfa-policy-editor') != null, 'the page');
        const page = shell.querySelector('camfa-simulate-page')!;
        $(page, 'wa-input[name="country"]')!.value = 'FR';
        await run(page);
        click($(page, '#replay-run'));
        await until(() => $(page, '#replay-summary') !== null, 'the replay');
        await expectNoAxeViolations(document);
      } finally {
        unmount();
        applyTheme('light');
      }
    });
  }
});
