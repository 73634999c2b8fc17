/**
 * The console's policy story, end to end (issue 12, acceptance point 3): `camfa-guard serve` as its own process
 * with the offline geo database, an editor made by `camfa-guard admin create` signed in through Chromium, and the
 * shop's backend as the Node SDK (capture, `triggerWorkflow`).
 *
 * The shop's login workflow in force (version 1) only steps payroll up. The editor adds the "new country" check
 * to it from nothing in the graph — a statistic and a rule dragged from the palette, connected port to rule,
 * filled in the inspector — and sees the server's validation error on the rule's node and field until it is
 * fixed; discards that draft and builds the same again in the outline with the keyboard alone (the two drafts are
 * the same document); simulates a login from a new country (the path lit, the statistic's value shown); publishes;
 * a login through the SDK from a new country now steps up; a rollback to version 1 and it no longer does; the audit
 * log shows both, by the editor.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_COUNTRIES, NEW_COUNTRY_RULE } from '../console/src/test-support/workflow-fixtures.mjs';
import { CONSOLE_PATHS } from '../server-mock/src/protocol/index.js';
import { AuthenticationClient, MetadataManagementClient } from '../server-mock/src/sdk/index.js';
import { consoleCredentials, firstSignIn, startConsoleBackend, type ConsoleBackend } from './console-support.js';
import { launchBrowser, screenshots } from './support.js';

const SHOP = { id: 'shop', name: 'Shop', secret: 'shop-secret-0123456789-abcdefghijklmnop', origins: ['https://shop.example'] };
/** Addresses the offline geo database places: bob's usual country, and one he has never signed in from. */
const IN_GB = '81.2.69.142';
const IN_US = '8.8.8.8';
const PAYROLL = { id: 'payroll', when: "event.resourcesType == 'payroll'", then: { factors: ['totp'] } };
/** Version 1, in force when the story starts: nothing about countries. */
const VERSION_1 = { id: 'login', name: 'Shop login', modes: ['api'], rules: [PAYROLL] };
/** What both passes must build: version 1 plus the user's known countries and the rule on them. */
const WITH_NEW_COUNTRY = { ...VERSION_1, statistics: [KNOWN_COUNTRIES], rules: [PAYROLL, NEW_COUNTRY_RULE] };
const TYPO = 'size(stats.known) > 0 && !(event.country in stats.knwn';
// Typed as a person types it: CodeMirror closes the bracket itself.
const CONDITION = 'size(stats.known) > 0 && !(event.country in stats.known';

let backend: ConsoleBackend;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let meta: MetadataManagementClient;
let auth: AuthenticationClient;

beforeAll(async () => {
  [backend, browser] = await Promise.all([startConsoleBackend({ apps: [SHOP], geo: { provider: 'geoip-lite' } }), launchBrowser()]);
  const client = { host: backend.url, appId: SHOP.id, appSecret: SHOP.secret, timeoutMs: 10_000, failMode: 'closed' as const };
  meta = new MetadataManagementClient(client);
  auth = new AuthenticationClient(client);
  // The shop's backend publishes its login workflow with its own credentials, as a deploy script would.
  const published = await fetch(`${backend.url}/v1/admin/workflows/login`, {
    method: 'PUT',
    headers: { authorization: `Basic ${Buffer.from(`${SHOP.id}:${SHOP.secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(VERSION_1),
  });
  expect(published.status, await published.clone().text()).toBe(200);
  // bob's history: two logins from home.
  for (let login = 0; login < 2; login += 1) await meta.ueba.capture({ originalIdentity: 'bob', ip: IN_GB, behaviorType: 'login', behaviorResult: 'success' });
  context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

/** bob signing in at the shop from `ip`: the rule that asked for a step-up, or null when none did. */
async function loginStepsUp(ip: string): Promise<string | null> {
  const trigger = await auth.mfa.triggerWorkflow({
    workflowId: 'login',
    metadata: { originalIdentity: 'bob', ip, behaviorType: 'login', behaviorResult: 'success' },
  });
  return trigger?.reason.ruleId ?? null;
}

/** The shop's login workflow as stored: its draft, or null when it has none. */
async function storedDraft(): Promise<unknown> {
  const { cookie } = await consoleCredentials(page, `${backend.url}/console/`);
  const response = await fetch(`${backend.url}${CONSOLE_PATHS.workflows}/login?app=${SHOP.id}`, { headers: { cookie } });
  return ((await response.json()) as { draftDocument: unknown }).draftDocument;
}

const center = async (locator: Locator) => {
  const box = (await locator.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
};

/** A real mouse drag: press on `from`, move in steps, release at `to`. */
async function drag(from: Locator, to: { x: number; y: number }): Promise<void> {
  const start = await center(from);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await page.mouse.up();
}

/** A free spot near the canvas's bottom edge, `left` pixels in, with the canvas scrolled on screen (typing in the inspector scrolls). */
async function onCanvas(left: number): Promise<{ x: number; y: number }> {
  const canvas = workflowPanel().locator('camfa-policy-graph .canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  return { x: box.x + left, y: box.y + box.height - 60 };
}

type Focus = { button: string } | { field: string } | { key: string } | { tab: string };

/** Whether the focused element, shadow roots followed down, is the one `wanted` describes. */
const focused = (wanted: Focus) =>
  page.evaluate((wanted) => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    if (!active) return false;
    if ('button' in wanted) return active.tagName === 'BUTTON' && active.textContent?.trim() === wanted.button;
    if ('key' in wanted) return (active as HTMLElement).dataset.key === wanted.key;
    if ('tab' in wanted) return active.tagName === 'WA-TAB' && active.getAttribute('panel') === wanted.tab;
    const host = (active.getRootNode() as ShadowRoot).host;
    return active.closest(`[data-field="${wanted.field}"]`) !== null || host?.getAttribute('data-field') === wanted.field;
  }, wanted);

/** Presses Tab (Shift+Tab backwards) until `wanted` has the focus: how a keyboard user gets there. */
async function tabTo(wanted: Focus, backwards = false): Promise<void> {
  for (let step = 0; step < 150; step += 1) {
    if (await focused(wanted)) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`could not reach ${JSON.stringify(wanted)} with the keyboard`);
}

async function replaceText(text: string): Promise<void> {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

const workflowPanel = () => page.locator('camfa-workflow-panel');
const graphNode = (key: string) => workflowPanel().locator(`camfa-policy-graph .node[data-key="${key}"]`);
const inspectorField = (name: string) => workflowPanel().locator(`camfa-policy-inspector [data-field="${name}"]`);
/** The panel's save state once autosave settled: "Draft saved." after every change. */
const draftSaved = () => expect.poll(() => workflowPanel().locator('.actions [aria-live="polite"]').textContent()).toBe('Draft saved.');

async function openShopLogin(): Promise<void> {
  await page.locator('camfa-console nav').getByRole('link', { name: 'Policies', exact: true }).click();
  await page.locator('camfa-policies-page tr', { hasText: 'Shop login' }).locator('wa-button').click();
  await graphNode('rule:0').waitFor();
}

describe('the policy editor, simulate, publish and rollback, end to end', () => {
  it('builds "new country" in the graph and again by keyboard in the outline, simulates it, publishes it and rolls it back', async () => {
    const shot = screenshots(page, 'console-policy');
    expect(await loginStepsUp(IN_US), 'version 1 knows nothing of countries').toBe(null);
    const password = await backend.createAdmin('olivia', 'editor');
    await firstSignIn(page, `${backend.url}/console/`, 'olivia', password);
    await openShopLogin();

    // The graph: a statistic dragged from the palette onto the canvas and filled in the inspector.
    const palette = (kind: string) => workflowPanel().locator(`camfa-policy-graph [data-palette="${kind}"]`);
    await drag(palette('statistic'), await onCanvas(120));
    await graphNode('statistic:0').waitFor();
    await inspectorField('id').locator('input').fill('known');
    await inspectorField('op').locator('select').selectOption('values');
    await inspectorField('field').locator('input').fill('country');
    // A rule beside it, and the statistic's output port connected to it.
    await drag(palette('rule'), await onCanvas(420));
    await graphNode('rule:1').waitFor();
    await drag(graphNode('statistic:0').locator('.port.out'), await center(graphNode('rule:1').locator('.node-body')));
    await workflowPanel().locator('camfa-policy-graph path[data-from="statistic:0"][data-to="rule:1"]').waitFor();
    await inspectorField('id').locator('input').fill('new-country');
    const when = inspectorField('when').locator('.cm-content');
    expect(await when.textContent(), 'connecting wrote a condition on the statistic').toBe('size(stats.known) > 0');
    await when.click();
    await replaceText(TYPO);
    await page.keyboard.press('Escape');

    // The server's parser refuses the draft: its error shows on the rule's node and on the condition field.
    await draftSaved();
    await expect.poll(() => graphNode('rule:1').getAttribute('data-invalid')).not.toBe(null);
    const fieldError = inspectorField('when').locator('[part="error"]');
    await expect.poll(() => fieldError.textContent()).toContain('unknown statistic "stats.knwn"');
    expect(await when.getAttribute('aria-invalid')).toBe('true');
    await shot('graph-invalid');
    await when.click();
    await replaceText(CONDITION);
    await page.keyboard.press('Escape');
    await expect.poll(() => graphNode('rule:1').getAttribute('data-invalid')).toBe(null);
    // The rule's outcome: a second factor added in its return node.
    await graphNode('return:1').locator('.node-body').click();
    await workflowPanel().locator('camfa-policy-inspector').getByRole('button', { name: 'Add factor' }).click();
    await draftSaved();
    const built = await storedDraft();
    expect(built).toEqual(WITH_NEW_COUNTRY);
    await shot('graph-built');

    // Again, from version 1, in the outline with the keyboard alone.
    await workflowPanel().locator('#discard').click();
    await expect.poll(() => workflowPanel().locator('div[role="status"].quiet').textContent()).toBe('Draft discarded.');
    expect(await storedDraft()).toBe(null);
    await workflowPanel().locator('#publish').focus();
    // The view tabs are one stop (roving focus): Tab reaches the selected one, the arrow key the next.
    await tabTo({ tab: 'graph' });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => focused({ tab: 'outline' })).toBe(true);
    await page.keyboard.press('Enter');
    await tabTo({ button: 'Add statistic' });
    await page.keyboard.press('Enter');
    await expect.poll(() => focused({ field: 'id' }), { message: 'the new statistic’s id field' }).toBe(true);
    await replaceText('known');
    await tabTo({ field: 'op' });
    await page.keyboard.type('values');
    await tabTo({ field: 'field' });
    await page.keyboard.type('country');
    await tabTo({ button: 'Add rule' }, true);
    await page.keyboard.press('Enter');
    await expect.poll(() => focused({ field: 'id' }), { message: 'the new rule’s id field' }).toBe(true);
    await replaceText('new-country');
    await tabTo({ field: 'when' });
    await replaceText(CONDITION);
    await page.keyboard.press('Escape');
    await tabTo({ key: 'return:1' }, true);
    await page.keyboard.press('Enter');
    await tabTo({ button: 'Add factor' });
    await page.keyboard.press('Enter');
    await draftSaved();
    expect(await storedDraft(), 'the outline made what the graph made').toEqual(built);
    await shot('outline-built');

    // Simulate the draft: bob from a country he has never signed in from, against his real history.
    await page.locator('camfa-console nav').getByRole('link', { name: 'Simulate', exact: true }).click();
    const simulate = page.locator('camfa-simulate-page');
    await simulate.locator('camfa-policy-editor').waitFor();
    expect(await simulate.locator('#version').evaluate((select) => (select as HTMLSelectElement).value)).toBe('draft');
    await simulate.locator('wa-input[name="originalIdentity"] input').fill('bob');
    await simulate.locator('wa-input[name="country"] input').fill('US');
    await simulate.locator('#run').click();
    const outcome = simulate.locator('#outcome');
    await outcome.waitFor();
    expect((await outcome.innerText()).replace(/\s+/g, ' ')).toMatch(/Outcome Step-up Rule new-country Factors offered .*Authenticator app/);
    expect((await simulate.locator('#statistics').innerText()).replace(/\s+/g, ' ')).toContain('known ["GB"]');
    const state = (key: string) => simulate.locator(`camfa-policy-graph .node[data-key="${key}"]`).getAttribute('data-state');
    expect(await Promise.all(['workflow', 'statistic:0', 'rule:1', 'return:1', 'rule:0'].map(state))).toEqual(['taken', 'taken', 'taken', 'taken', 'passed']);
    const lit = await simulate
      .locator('camfa-policy-graph path[data-taken]')
      .evaluateAll((paths) => paths.map((path) => `${path.getAttribute('data-from')}→${path.getAttribute('data-to')}`));
    expect(lit).toEqual(expect.arrayContaining(['statistic:0→rule:1', 'rule:1→return:1']));
    expect(await simulate.locator('camfa-policy-graph .node[data-key="statistic:0"]').textContent()).toContain('known = ["GB"]');
    await shot('simulated');
    expect(await loginStepsUp(IN_US), 'a draft decides nothing').toBe(null);

    // Publish: bob's login from a new country steps up, from home it does not.
    await openShopLogin();
    await workflowPanel().locator('#publish').click();
    await expect.poll(() => workflowPanel().locator('div[role="status"].quiet').textContent()).toBe('Published as version 2.');
    expect(await loginStepsUp(IN_US)).toBe('new-country');
    expect(await loginStepsUp(IN_GB)).toBe(null);

    // Roll back to version 1: it no longer does.
    await workflowPanel().locator('#history').click();
    await workflowPanel().getByRole('button', { name: 'Roll back to version 1' }).click();
    await expect
      .poll(() => workflowPanel().locator('div[role="status"].quiet').textContent())
      .toBe('Rolled back: version 3 is in force, with the text of version 1.');
    expect(await loginStepsUp(IN_US)).toBe(null);
    await shot('rolled-back');

    // The audit log holds what changed what is in force, by whom: drafts are work in progress, not changes.
    await page.locator('camfa-console nav').getByRole('link', { name: 'Audit', exact: true }).click();
    const rows = page.locator('camfa-audit-page tbody tr');
    await rows.first().waitFor();
    const changes = await rows.evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from(tr.querySelectorAll('td'))
          .slice(1, 3)
          .map((td) => td.textContent?.trim()),
      ),
    );
    expect(changes.filter(([, action]) => !action?.startsWith('session.')).sort()).toEqual([
      ['olivia', 'workflow.publish'],
      ['olivia', 'workflow.rollback'],
    ]);
  }, 180_000);
});
