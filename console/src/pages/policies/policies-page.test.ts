import { expect } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import { expectNoAxeViolations } from '../../../../src/test-support/axe.js';
import { deepActiveElement, until, visibleStrings } from '../../../../src/test-support/elements.js';
import { testConsole, type TestConsole } from '../../test-support/console-server.js';
import { loadTheme, mountConsole } from '../../test-support/page.js';
import { applyTheme } from '../../theme.js';
import type { PolicyEditor, WorkflowDocument } from '../../policy-editor/index.js';
import type { CamfaPoliciesPage } from './policies-page.js';
import type { CamfaWorkflowPanel } from './workflow-panel.js';
import { loadPolicyEditor } from './editor-slot.js';
import { ConsoleApi } from '../../api.js';
import './policies-page.js';

const sections = (page: CamfaPoliciesPage) =>
  [...page.shadowRoot!.querySelectorAll('section[aria-label]')].map((section) => ({
    title: section.getAttribute('aria-label'),
    text: visibleStrings(section).join(' '),
  }));

const panel = (page: CamfaPoliciesPage) => page.shadowRoot!.querySelector<CamfaWorkflowPanel>('camfa-workflow-panel')!;
const inPanel = <T extends Element = HTMLElement>(page: CamfaPoliciesPage, selector: string) => panel(page)?.shadowRoot?.querySelector<T>(selector) ?? null;
const editor = (page: CamfaPoliciesPage) => inPanel<PolicyEditor>(page, 'camfa-policy-editor');
const click = (element: Element | null) => (element as HTMLElement).shadowRoot!.querySelector('button')!.click();
const buttonNamed = (root: ParentNode, text: string) =>
  [...root.querySelectorAll('wa-button')].find((button) => button.textContent!.replace(/\s+/g, ' ').trim().startsWith(text)) ?? null;

async function mount(options: { role?: 'editor' | 'viewer' } = {}): Promise<{ page: CamfaPoliciesPage; server: TestConsole }> {
  const server = await testConsole(options);
  const page = document.createElement('camfa-policies-page');
  page.api = server.api;
  page.session = await server.api.session();
  document.body.append(page);
  await until(() => sections(page).length === 2, 'the scopes');
  return { page, server };
}

async function openShopLogin(page: CamfaPoliciesPage): Promise<PolicyEditor> {
  click(page.shadowRoot!.querySelector('section[aria-label="Workflows of Shop"] wa-button'));
  await until(() => editor(page) !== null, 'the editor');
  return editor(page)!;
}

/** Presses Tab until `wanted` holds for the focused element: how a keyboard user gets there. */
async function tabTo(wanted: (element: Element) => boolean, what: string, backwards = false): Promise<void> {
  for (let step = 0; step < 150; step += 1) {
    const active = deepActiveElement();
    if (active && wanted(active)) return;
    await sendKeys({ press: backwards ? 'Shift+Tab' : 'Tab' });
  }
  throw new Error(`could not reach ${what} with the keyboard`);
}

const hostOf = (element: Element) => (element.getRootNode() as ShadowRoot).host;
const isButton = (text: string) => (element: Element) => {
  const host = element.tagName === 'BUTTON' ? hostOf(element) : null;
  return (
    (element.tagName === 'BUTTON' && element.textContent!.trim() === text) || (host?.localName === 'wa-button' && host.textContent!.trim().startsWith(text))
  );
};

describe('<camfa-policies-page>', () => {
  let page: CamfaPoliciesPage | undefined;
  // The editor is a chunk of its own: loaded once here, so no test's first wait includes it.
  before(() => loadPolicyEditor());
  afterEach(() => page?.remove());

  it('lists each scope with version, version in force, draft and inheritance both ways', async () => {
    ({ page } = await mount());
    const [global, shop] = sections(page);
    expect(global!.title).to.equal('Global workflows');
    expect(global!.text).to.contain('login Login risk 2 version 2 in force overridden by shop').and.contain('session-risk Session risk 1 version 1 in force');
    expect(shop!.title).to.equal('Workflows of Shop');
    expect(shop!.text).to.contain('login Shop login 5 version 5 in force overrides the global “login”');
    expect(shop!.text).to.contain('session-risk Session risk 1 inherited from global');
  });

  it('opens a workflow with its version in force as the baseline, autosaves edits as the draft and publishes against the loaded version', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    const opened = await openShopLogin(page);
    expect((opened.document as WorkflowDocument).name).to.equal('Shop login');
    expect((opened.baseline as WorkflowDocument).name).to.equal('Shop login');

    opened.document = { ...opened.document, name: 'Shop login, stricter' };
    opened.dispatchEvent(new CustomEvent('camfa-policy-change', { detail: opened.document, bubbles: true, composed: true }));
    await until(() => visibleStrings(panel(page!).shadowRoot!).includes('Draft saved.'), 'the autosave');
    await until(() => sections(page!)[1]!.text.includes('draft'), 'the list showing the draft');
    const reopened = await server.api.workflow('login', 'shop');
    expect(reopened.draftDocument?.name).to.equal('Shop login, stricter');

    click(inPanel(page, '#publish'));
    await until(() => visibleStrings(panel(page!).shadowRoot!).includes('Published as version 6.'), 'the publication');
    const publish = (await server.log()).find((entry) => entry.method === 'PUT' && entry.path === '/workflows/login');
    expect(publish).to.include({ ifMatch: '"5"', query: 'app=shop' });
    expect((await server.api.workflow('login', 'shop')).activeVersion).to.equal(6);
    expect((editor(page)!.baseline as WorkflowDocument).name).to.equal('Shop login, stricter');
  });

  it('puts the server parser’s errors on the node the draft got wrong, and refuses to publish it', async () => {
    ({ page } = await mount());
    const opened = await openShopLogin(page);
    const rules = (opened.document as WorkflowDocument).rules!;
    const broken = { ...opened.document, rules: [{ ...rules[0]!, when: '' }] } as WorkflowDocument;
    opened.dispatchEvent(new CustomEvent('camfa-policy-change', { detail: broken, bubbles: true, composed: true }));
    await until(() => opened.errors.length === 1, 'the draft’s errors');
    expect(opened.errors[0]).to.include({ node: 'rules[new-country].when', message: 'the condition is empty' });
    await opened.updateComplete;
    expect(visibleStrings(opened.shadowRoot!).join(' ')).to.contain('1 problem(s)');

    click(inPanel(page, '#publish'));
    await until(() => inPanel(page!, '#panel-error')!.textContent!.includes('The workflow is invalid'), 'the refusal');
    expect(opened.errors.map((error) => error.node)).to.deep.equal(['rules[new-country].when']);
  });

  it('shows a stale publish as a conflict, and reloading keeps the draft on the newer version', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    const opened = await openShopLogin(page);
    // Someone else publishes version 6 meanwhile.
    const current = await server.api.workflow('login', 'shop');
    await server.api.publishWorkflow('login', 'shop', 5, { document: { ...current.document!, name: 'Theirs' } });
    const mine = { ...opened.document, name: 'Mine' };
    opened.dispatchEvent(new CustomEvent('camfa-policy-change', { detail: mine, bubbles: true, composed: true }));
    click(inPanel(page, '#publish'));
    await until(() => inPanel(page!, 'wa-callout[role="alert"]') !== null, 'the conflict');
    expect(inPanel(page, 'wa-callout')!.textContent).to.contain('Someone published version 6 of this workflow meanwhile: nothing was overwritten.');
    expect((await server.api.workflow('login', 'shop')).document!.name).to.equal('Theirs');

    click(inPanel(page, '#reload-keep'));
    await until(() => inPanel(page!, 'wa-callout[role="alert"]') === null, 'the reload');
    expect((editor(page)!.document as WorkflowDocument).name).to.equal('Mine');
    expect((editor(page)!.baseline as WorkflowDocument).name).to.equal('Theirs');
    click(inPanel(page, '#publish'));
    await until(() => visibleStrings(panel(page!).shadowRoot!).includes('Published as version 7.'), 'the second publication');
    expect((await server.api.workflow('login', 'shop')).document!.name).to.equal('Mine');
  });

  it('shows the history, diffs a version against the draft and rolls back in one click', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    await openShopLogin(page);
    click(inPanel(page, '#history'));
    await until(() => inPanel(page!, '#history-title') !== null, 'the versions');
    const rows = [...panel(page).shadowRoot!.querySelectorAll('tbody tr')].map((row) => visibleStrings(row).join(' '));
    expect(rows[0]).to.match(/^5 .* in force Compare with version 5 Roll back to version 5$/);
    expect(rows[1]).to.match(/^4 .* Compare with version 4 Roll back to version 4$/);

    click(buttonNamed(panel(page).shadowRoot!, 'Compare with version 4'));
    await until(() => editor(page!)!.view === 'diff', 'the Changes view');
    expect((editor(page)!.baseline as WorkflowDocument).rules).to.deep.equal([]);
    await editor(page)!.updateComplete;
    const added = [...editor(page)!.shadowRoot!.querySelectorAll('pre .added')].map((line) => line.textContent!.replace(/\s+/g, ' ').trim());
    expect(added).to.include('added: + - id: new-country');

    click(buttonNamed(panel(page).shadowRoot!, 'Roll back to version 4'));
    await until(
      () => visibleStrings(panel(page!).shadowRoot!).join(' ').includes('Rolled back: version 6 is in force, with the text of version 4.'),
      'the rollback',
    );
    const rollback = (await server.log()).find((entry) => entry.path === '/workflows/login/rollback')!;
    expect(rollback.ifMatch).to.equal('"5"');
    expect((await server.api.workflow('login', 'shop')).document!.rules).to.deep.equal([]);
  });

  it('starts a new workflow from a built-in template as a first draft', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    click(page.shadowRoot!.querySelector('#new-workflow'));
    await until(() => page!.shadowRoot!.querySelector('#new-form wa-option[value="ip-velocity"]') !== null, 'the templates');
    const form = page.shadowRoot!.querySelector('#new-form')!;
    (form.querySelector('wa-input[name="id"]') as HTMLInputElement).value = 'burst';
    (form.querySelector('wa-select[name="scope"]') as HTMLSelectElement).value = 'shop';
    (form.querySelector('wa-select[name="template"]') as HTMLSelectElement).value = 'ip-velocity';
    await (form.querySelector('wa-select[name="template"]') as unknown as { updateComplete: Promise<void> }).updateComplete;
    click(buttonNamed(form, 'Create draft'));
    await until(() => editor(page!) !== null, 'the new workflow in the editor');
    const created = await server.api.workflow('burst', 'shop');
    expect(created).to.include({ version: 0, activeVersion: null });
    expect(created.draftDocument).to.deep.include({ id: 'burst', uses: [{ template: 'ip-velocity' }] });
    expect(sections(page)[1]!.text).to.contain('burst burst 0 none in force draft');
  });

  it('shows a viewer everything read-only: no edit is saved, nothing can be published or rolled back', async () => {
    const { page: mounted, server } = await mount({ role: 'viewer' });
    page = mounted;
    expect(page.shadowRoot!.querySelector('#new-workflow')!.hasAttribute('disabled')).to.equal(true);
    const opened = await openShopLogin(page);
    expect(opened.readonly).to.equal(true);
    expect(inPanel(page, '#publish')!.hasAttribute('disabled')).to.equal(true);
    click(inPanel(page, '#history'));
    await until(() => inPanel(page!, '#history-title') !== null, 'the versions');
    expect(buttonNamed(panel(page).shadowRoot!, 'Roll back to version 4')!.hasAttribute('disabled')).to.equal(true);
    expect((await server.log()).filter((entry) => entry.method !== 'GET' && entry.path !== '/session')).to.deep.equal([]);
  });

  it('is operable with the keyboard alone: open, edit in the outline, publish', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    await page.focusHeading();
    await tabTo(isButton('Open: login (Shop)'), 'Open login of Shop');
    await sendKeys({ press: 'Enter' });
    await until(() => editor(page!) !== null, 'the editor');
    await editor(page)!.updateComplete;
    await tabTo((element) => element.localName === 'wa-tab' && element.textContent!.trim() === 'Graph', 'the view tabs');
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'Enter' });
    await until(() => editor(page!)!.view === 'outline', 'the outline');
    await tabTo(isButton('Add rule'), 'Add rule');
    await sendKeys({ press: 'Enter' });
    await until(
      () => deepActiveElement()?.closest('[data-field="id"]') != null || hostOf(deepActiveElement()!)?.getAttribute('data-field') === 'id',
      'the new rule’s id',
    );
    await sendKeys({ press: 'Control+A' });
    await sendKeys({ type: 'payroll' });
    await until(() => visibleStrings(panel(page!).shadowRoot!).includes('Draft saved.'), 'the autosave');
    await tabTo(isButton('Publish'), 'Publish', true);
    await sendKeys({ press: 'Enter' });
    await until(() => visibleStrings(panel(page!).shadowRoot!).includes('Published as version 6.'), 'the publication');
    const rules = (await server.api.workflow('login', 'shop')).document!.rules as { id: string }[];
    expect(rules.map((rule) => rule.id)).to.deep.equal(['new-country', 'payroll']);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`finds nothing under axe-core with a workflow open and its history shown, ${theme} theme`, async () => {
      await loadTheme();
      applyTheme(theme);
      const { api } = await testConsole();
      const { shell, unmount } = mountConsole(api, '/console/policies');
      try {
        await until(() => shell.querySelector('camfa-policies-page')?.shadowRoot?.querySelector('section[aria-label]') != null, 'the page');
        const page = shell.querySelector('camfa-policies-page')!;
        await openShopLogin(page);
        click(inPanel(page, '#history'));
        await until(() => inPanel(page!, '#history-title') !== null, 'the versions');
        await editor(page)!.updateComplete;
        await expectNoAxeViolations(document);
      } finally {
        unmount();
        applyTheme('light');
      }
    });
  }

  it('shows why the lists could not load, and no endless "Loading…" beside it', async () => {
    const server = await testConsole();
    const page = document.createElement('camfa-policies-page');
    // An API root with no console behind it: every call is refused.
    page.api = new ConsoleApi({ baseUrl: '/__no-console-here' });
    page.session = await server.api.session();
    document.body.append(page);
    try {
      await until(() => (page.shadowRoot?.querySelector('[role="alert"]')?.textContent ?? '').trim() !== '', 'the error');
      expect(visibleStrings(page.shadowRoot!).join(' ')).not.to.contain('Loading');
    } finally {
      page.remove();
    }
  });
});
