import { expect } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import { expectNoAxeViolations } from '../../../src/test-support/axe.js';
import { deepActiveElement } from '../../../src/test-support/elements.js';
import type { PolicyEditor, WorkflowDocument } from './index.js';
import './index.js';
import { KNOWN_COUNTRIES, LOGINS_DOCUMENT } from '../test-support/workflow-fixtures.mjs';
import { explain, parse, serverErrors, until } from './test-support.js';

async function mount(properties: Partial<PolicyEditor>): Promise<{ editor: PolicyEditor; changes: WorkflowDocument[] }> {
  const editor = Object.assign(document.createElement('camfa-policy-editor'), properties);
  const changes: WorkflowDocument[] = [];
  editor.addEventListener('camfa-policy-change', (event) => changes.push(event.detail));
  document.body.append(editor);
  await editor.updateComplete;
  return { editor, changes };
}

const shadow = (editor: PolicyEditor) => editor.shadowRoot!;
const outline = (editor: PolicyEditor) => shadow(editor).querySelector('camfa-policy-outline')!;
const graph = (editor: PolicyEditor) => shadow(editor).querySelector('camfa-policy-graph')!;
const inspector = (editor: PolicyEditor) => shadow(editor).querySelector('camfa-policy-inspector')!;
const field = (editor: PolicyEditor, name: string) => inspector(editor).shadowRoot!.querySelector<HTMLElement>(`[data-field="${name}"]`);

/** Presses Tab (or Shift+Tab) until the focused element is the one wanted: how a keyboard user gets there. */
async function tabTo(wanted: (element: Element) => boolean, what: string, backwards = false): Promise<void> {
  for (let step = 0; step < 120; step += 1) {
    const active = deepActiveElement();
    if (active && wanted(active)) return;
    await sendKeys({ press: backwards ? 'Shift+Tab' : 'Tab' });
  }
  throw new Error(`could not reach ${what} with the keyboard`);
}

const inField = (name: string) => (element: Element) =>
  element.closest(`[data-field="${name}"]`) !== null || (element.getRootNode() as ShadowRoot).host?.getAttribute('data-field') === name;
const button = (text: string) => (element: Element) => element.tagName === 'BUTTON' && element.textContent?.trim() === text;

async function replaceText(text: string): Promise<void> {
  await sendKeys({ press: 'Control+A' });
  await sendKeys({ type: text });
}

const logins = LOGINS_DOCUMENT;

describe('<camfa-policy-editor>', function () {
  // Lazy chunks (CodeMirror, dagre) are compiled on first import by the test server: slow on a busy machine.
  this.timeout(30_000);
  afterEach(() => document.querySelectorAll('camfa-policy-editor').forEach((element) => element.remove()));

  it('builds the "new country" workflow from nothing in the outline, keyboard only, into a document the backend accepts', async () => {
    const { editor, changes } = await mount({ document: { id: 'new-country', name: 'New country', modes: ['api'] }, view: 'outline' });
    await tabTo(button('Add statistic'), 'Add statistic');
    await sendKeys({ press: 'Enter' });
    await until(() => inField('id')(deepActiveElement()!), 'the new statistic’s id field');
    await replaceText('known');
    await tabTo(inField('op'), 'the aggregate');
    await sendKeys({ type: 'values' });
    await tabTo(inField('field'), 'the field');
    await sendKeys({ type: 'country' });

    await tabTo(button('Add rule'), 'Add rule', true);
    await sendKeys({ press: 'Enter' });
    await until(() => inField('id')(deepActiveElement()!), 'the new rule’s id field');
    await replaceText('new-country');
    await tabTo(inField('when'), 'the condition');
    await replaceText('event.country != null && size(stats.known) > 0 && !(event.country in stats.known');
    await sendKeys({ press: 'Escape' });

    await tabTo((element) => (element as HTMLElement).dataset.key === 'return:0', 'the rule’s return value', true);
    await sendKeys({ press: 'Enter' });
    await tabTo(button('Add factor'), 'Add factor');
    await sendKeys({ press: 'Enter' });

    const emitted = changes.at(-1)!;
    expect(emitted).to.equal(editor.document);
    const parsed = parse(emitted);
    expect(parsed.ok, JSON.stringify(parsed)).to.equal(true);
    expect(emitted.statistics).to.deep.equal([KNOWN_COUNTRIES]);
    expect(emitted.rules).to.deep.equal([
      { id: 'new-country', when: 'event.country != null && size(stats.known) > 0 && !(event.country in stats.known)', then: { factors: ['totp', 'sms'] } },
    ]);
    expect(explain(emitted, { country: 'FR' }, { known: ['CN'] }).firedRule).to.equal('new-country');
    expect(explain(emitted, { country: 'CN' }, { known: ['CN'] }).firedRule).to.equal(null);
  });

  it('shows a server error on its node and on the field its path names', async () => {
    const wrong: WorkflowDocument = {
      ...logins,
      rules: [{ ...logins.rules![0]!, when: { all: ['size(stats.known) > 0', 'event.country +'] } }, logins.rules![1]!],
      uses: [{ template: 'ip-failures', params: { threshold: 0 } }],
    };
    const errors = serverErrors(wrong);
    const { editor } = await mount({ document: wrong, errors, view: 'outline' });
    const entry = outline(editor).shadowRoot!.querySelector<HTMLButtonElement>('[data-key="rule:0"]')!;
    expect(entry.textContent).to.contain('1 problem(s)');
    expect(outline(editor).shadowRoot!.querySelector('[data-key="rule:1"]')!.textContent).not.to.contain('problem');
    expect(graph(editor).shadowRoot!.querySelector('.node[data-key="rule:0"]')!.hasAttribute('data-invalid')).to.equal(true);

    entry.click();
    await editor.updateComplete;
    await inspector(editor).updateComplete;
    const summary = inspector(editor).shadowRoot!.querySelector('.error-summary')!;
    expect(summary.textContent).to.contain(errors[0]!.message);
    const member = field(editor, 'when.all[1]') as HTMLElement & { ready: Promise<void> };
    await member.ready;
    expect(member.shadowRoot!.querySelector('[part="error"]')!.textContent).to.equal(errors[0]!.message);
    expect(member.shadowRoot!.querySelector('.cm-content')!.getAttribute('aria-invalid')).to.equal('true');
    const healthy = field(editor, 'when.all[0]') as HTMLElement & { ready: Promise<void> };
    expect(healthy.shadowRoot!.querySelector('[part="error"]')!.textContent).to.equal('');

    outline(editor).shadowRoot!.querySelector<HTMLButtonElement>('[data-key="use:0"]')!.click();
    await editor.updateComplete;
    await inspector(editor).updateComplete;
    const threshold = field(editor, 'params.threshold')!;
    expect(threshold.querySelector('input')!.getAttribute('aria-invalid')).to.equal('true');
    expect(threshold.querySelector('.field-error')!.textContent).to.equal(errors.find((error) => error.node === 'uses[ip-failures]')!.message);
    expect(field(editor, 'params.window')!.querySelector('input')!.getAttribute('aria-invalid')).to.equal('false');
  });

  it('lights the path a decision took and shows the statistic values', async () => {
    const explanation = explain(logins, { country: 'FR' }, { known: ['CN', 'JP'] });
    const { editor } = await mount({ document: logins, explanation, readonly: true });
    const view = graph(editor);
    await view.layoutComplete;
    await view.updateComplete;
    const state = (key: string) => view.shadowRoot!.querySelector(`.node[data-key="${key}"]`)!.getAttribute('data-state');
    expect(['workflow', 'statistic:0', 'rule:0', 'return:0', 'rule:1', 'return:1'].map(state)).to.deep.equal([
      'taken',
      'taken',
      'taken',
      'taken',
      'skipped',
      'skipped',
    ]);
    expect(view.shadowRoot!.querySelector('.node[data-key="statistic:0"]')!.textContent).to.contain('known = ["CN","JP"]');
    const lit = [...view.shadowRoot!.querySelectorAll('path[data-taken]')].map((path) => `${path.getAttribute('data-from')}→${path.getAttribute('data-to')}`);
    expect(lit).to.have.members(['workflow→statistic:0', 'statistic:0→rule:0', 'rule:0→return:0']);

    // The Simulate page's read-only inspector: the rule's conditions with their results, and nothing to edit.
    view.shadowRoot!.querySelector<HTMLButtonElement>('.node[data-key="rule:0"] .node-body')!.click();
    await editor.updateComplete;
    await inspector(editor).updateComplete;
    const trace = inspector(editor).shadowRoot!.querySelector('.trace')!;
    expect(trace.textContent).to.contain('on the decision’s path');
    expect(trace.textContent).to.contain('✓ size(stats.known) > 0 && !(event.country in stats.known)');
    expect(shadow(editor).querySelector('[data-template]')).to.equal(null);
    expect(inspector(editor).shadowRoot!.querySelector<HTMLInputElement>('[data-field="id"] input')!.readOnly).to.equal(true);
    await expectNoAxeViolations(editor);
  });

  it('adds a node from the palette and connects it to a rule with pointer events', async () => {
    const start: WorkflowDocument = { id: 'w', name: 'W', modes: ['api'], rules: [{ id: 'rule', when: 'false', then: { factors: ['totp'] } }] };
    const { editor, changes } = await mount({ document: start });
    const view = graph(editor);
    await view.layoutComplete;
    await view.updateComplete;
    const root = view.shadowRoot!;
    const center = (element: Element) => {
      const box = element.getBoundingClientRect();
      return { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 };
    };
    const pointer = (target: EventTarget, type: string, at: { clientX: number; clientY: number }) =>
      target.dispatchEvent(new PointerEvent(type, { ...at, bubbles: true, composed: true, button: 0, pointerId: 1, isPrimary: true }));

    // The graph's tab panel is shown once Web Awesome's tab group is defined and set up (its elements load lazily,
    // slowly on a loaded machine); until then the canvas has no box and a drop computed from it misses.
    await until(() => root.querySelector('.canvas')!.getBoundingClientRect().height > 0, 'the canvas on screen');
    const canvas = root.querySelector('.canvas')!.getBoundingClientRect();
    const drop = { clientX: canvas.left + 120, clientY: canvas.bottom - 60 };
    pointer(root.querySelector('[data-palette="statistic"]')!, 'pointerdown', center(root.querySelector('[data-palette="statistic"]')!));
    pointer(window, 'pointermove', drop);
    pointer(window, 'pointerup', drop);
    await editor.updateComplete;
    await view.updateComplete;
    const added = root.querySelector('.node[data-key="statistic:0"]')!;
    expect(added, 'the dropped statistic').not.to.equal(null);
    expect(changes.at(-1)!.statistics).to.have.length(1);
    const box = added.getBoundingClientRect();
    expect(Math.abs(box.left + box.width / 2 - drop.clientX)).to.be.below(2);

    const port = added.querySelector('.port.out')!;
    const target = center(root.querySelector('.node[data-key="rule:0"] .node-body')!);
    pointer(port, 'pointerdown', center(port));
    pointer(window, 'pointermove', target);
    pointer(window, 'pointerup', target);
    await editor.updateComplete;
    await view.updateComplete;
    expect(changes.at(-1)!.rules![0]!.when).to.equal('stats.statistic > 0');
    expect(parse(changes.at(-1)!).ok).to.equal(true);
    expect(root.querySelector('path[data-from="statistic:0"][data-to="rule:0"]')).not.to.equal(null);

    // Dragging a node moves it; pressing and releasing without moving inspects it.
    const body = root.querySelector('.node[data-key="rule:0"] .node-body')!;
    const before = body.getBoundingClientRect();
    const grab = center(body);
    pointer(body, 'pointerdown', grab);
    pointer(window, 'pointermove', { clientX: grab.clientX + 40, clientY: grab.clientY + 30 });
    pointer(window, 'pointerup', { clientX: grab.clientX + 40, clientY: grab.clientY + 30 });
    await view.updateComplete;
    const after = body.getBoundingClientRect();
    expect([Math.round(after.left - before.left), Math.round(after.top - before.top)]).to.deep.equal([40, 30]);
    const statistic = root.querySelector('.node[data-key="statistic:0"] .node-body')!;
    pointer(statistic, 'pointerdown', center(statistic));
    pointer(window, 'pointerup', center(statistic));
    await editor.updateComplete;
    await inspector(editor).updateComplete;
    expect(inspector(editor).shadowRoot!.querySelector('h3')!.textContent).to.equal('Window statistic');
  });

  it('has no axe violation in the outline with errors and in the graph', async () => {
    const wrong: WorkflowDocument = { ...logins, statistics: [{ ...logins.statistics![0]!, window: { duration: 'forever' } }] };
    const { editor } = await mount({ document: wrong, errors: serverErrors(wrong), view: 'outline', baseline: logins });
    outline(editor).shadowRoot!.querySelector<HTMLButtonElement>('[data-key="statistic:0"]')!.click();
    await editor.updateComplete;
    await inspector(editor).updateComplete;
    expect(field(editor, 'window.duration')!.querySelector('input')!.getAttribute('aria-invalid')).to.equal('true');
    await expectNoAxeViolations(editor);
    editor.view = 'graph';
    await editor.updateComplete;
    await graph(editor).layoutComplete;
    await expectNoAxeViolations(editor);
  });

  it('inserts a built-in template in one action and asks the host to validate', async () => {
    const { editor, changes } = await mount({ document: logins });
    const requests: unknown[] = [];
    editor.addEventListener('camfa-policy-validate-request', (event) => requests.push(event.detail.document));
    shadow(editor).querySelector<HTMLElement>('[data-template="impossible-travel"]')!.click();
    expect(changes.at(-1)!.uses).to.deep.equal([{ template: 'impossible-travel' }]);
    expect(parse(changes.at(-1)!).ok).to.equal(true);
    shadow(editor).querySelector<HTMLElement>('wa-button[variant="brand"]')!.click();
    expect(requests).to.deep.equal([changes.at(-1)]);
  });

  it('shows the changes against the published version, and applies an edited YAML document', async () => {
    const { editor, changes } = await mount({ document: logins, baseline: logins });
    const panel = (name: string) => shadow(editor).querySelector(`wa-tab-panel[name="${name}"]`)!;
    shadow(editor).querySelector<HTMLElement>('wa-tab[panel="diff"]')!.click();
    await until(() => editor.view === 'diff', 'the Changes tab');
    expect(panel('diff').textContent).to.contain('No changes against the published version.');

    shadow(editor).querySelector<HTMLElement>('[data-template="extranet"]')!.click();
    await editor.updateComplete;
    const added = [...panel('diff').querySelectorAll('.added')].map((line) => line.textContent!.replace(/\s+/g, ' ').trim());
    expect(added).to.deep.equal(['added: + uses:', 'added: + - template: extranet']);
    expect(panel('diff').querySelectorAll('.removed')).to.have.length(0);

    const yaml = panel('yaml').querySelector('textarea')!;
    yaml.value = yaml.value.replace('name: Logins', 'name: Sign-ins');
    panel('yaml').querySelector<HTMLElement>('wa-button')!.click();
    expect(changes.at(-1)!.name).to.equal('Sign-ins');
    yaml.value = 'name: [unclosed';
    panel('yaml').querySelector<HTMLElement>('wa-button')!.click();
    await editor.updateComplete;
    expect(panel('yaml').querySelector('[role="alert"]')!.textContent).to.contain('Not valid YAML');
    expect(editor.document.name).to.equal('Sign-ins');
  });

  it('speaks the language of the page around it, and takes the light or dark theme of Web Awesome', async () => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/node_modules/@awesome.me/webawesome/dist/styles/webawesome.css' });
    const loaded = new Promise((resolve) => link.addEventListener('load', resolve));
    document.head.append(link);
    await loaded;
    const page = Object.assign(document.createElement('div'), { lang: 'ja', className: 'wa-light' });
    document.body.append(page);
    try {
      const editor = Object.assign(document.createElement('camfa-policy-editor'), { document: logins });
      page.append(editor);
      await editor.updateComplete;
      const tabs = [...shadow(editor).querySelectorAll('wa-tab')].map((tab) => tab.textContent!.trim());
      expect(tabs).to.deep.equal(['グラフ', 'アウトライン', 'YAML', '変更点']);
      await graph(editor).layoutComplete;
      await graph(editor).updateComplete;
      const body = () => getComputedStyle(graph(editor).shadowRoot!.querySelector('.node-body')!).backgroundColor;
      const light = body();
      page.className = 'wa-dark';
      expect(body()).not.to.equal(light);
    } finally {
      page.remove();
      link.remove();
    }
  });

  it('completes event fields, user attributes and statistic names in a CEL condition', async () => {
    const { editor } = await mount({ document: logins, view: 'outline' });
    outline(editor).shadowRoot!.querySelector<HTMLButtonElement>('[data-key="rule:0"]')!.click();
    await editor.updateComplete;
    await inspector(editor).updateComplete;
    const condition = field(editor, 'when') as HTMLElement & { ready: Promise<void> };
    await condition.ready;
    condition.focus();
    const options = () => [...condition.shadowRoot!.querySelectorAll('.cm-tooltip-autocomplete li')].map((item) => item.textContent!);
    const offered = async (typed: string, expected: string) => {
      await sendKeys({ press: 'End' });
      await sendKeys({ type: ` && ${typed}` });
      await until(() => options().some((option) => option.startsWith(expected)), `completion of ${expected}`);
      await sendKeys({ press: 'Escape' });
    };
    await offered('event.coun', 'event.country');
    await offered('user.rol', 'user.roles');
    await offered('stats.kn', 'stats.known');
    expect(options()).to.deep.equal([]);
  });
});
