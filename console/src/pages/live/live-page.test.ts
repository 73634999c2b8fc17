import { expect } from 'chai';
import { expectNoAxeViolations } from '../../../../src/test-support/axe.js';
import { until, visibleStrings } from '../../../../src/test-support/elements.js';
import { testConsole, type TestConsole } from '../../test-support/console-server.js';
import { loadTheme, mountConsole } from '../../test-support/page.js';
import { applyTheme } from '../../theme.js';
import type { DecisionRecord } from '../../api.js';
import { MAX_ROWS } from './live-feed.js';
import type { CamfaLivePage } from './live-page.js';
import './live-page.js';

type Control = HTMLElement & { value: string; updateComplete: Promise<boolean> };

const $ = <T extends Element = Control>(page: CamfaLivePage, selector: string) => page.shadowRoot!.querySelector<T>(selector);
const rows = (page: CamfaLivePage) => [...page.shadowRoot!.querySelectorAll('#live-table tbody tr')];
const text = (node: Node | null) => visibleStrings(node!).join(' ');
const click = (element: Element | null) => (element as HTMLElement).shadowRoot!.querySelector('button')!.click();

const event = (originalIdentity: string, extra: Record<string, unknown> = {}) => ({
  id: `e-${originalIdentity}`,
  appId: 'shop',
  requestDate: Date.now(),
  originalIdentity,
  ip: '203.0.113.9',
  country: 'FR',
  province: 'Île-de-France',
  city: 'Paris',
  intranet: false,
  deviceType: 'mobile',
  systemType: 'iOS',
  browserType: 'Safari',
  behaviorType: 'login',
  ...extra,
});

const decision = (originalIdentity: string, hit: boolean): DecisionRecord => ({
  id: `d-${originalIdentity}-${hit}`,
  appId: 'shop',
  originalIdentity,
  workflowId: 'login',
  workflowVersion: 5,
  mode: 'api',
  eventId: null,
  hit,
  ruleId: hit ? 'new-country' : null,
  createdAt: Date.now(),
  explanation: {
    workflowId: 'login',
    workflowName: 'Shop login',
    now: Date.now(),
    params: {},
    paramProblems: [],
    match: { expression: null, applied: true, error: null },
    statistics: [{ id: 'known', description: 'countries seen', value: ['GB'], note: null }],
    rules: [{ id: 'new-country', template: null, description: null, result: hit, condition: { expression: 'x', result: hit }, error: null }],
    firedRule: hit ? 'new-country' : null,
    notEvaluated: [],
    error: null,
  },
});

/** Pushes once the page's stream is open, so nothing is sent before anyone listens. */
async function connected(page: CamfaLivePage, server: TestConsole, streams = 1): Promise<void> {
  await until(() => page.shadowRoot?.querySelector('#filters') != null && text(page.shadowRoot).includes('Connected'), 'the stream open');
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if ((await server.streams()) === streams) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the stream never registered');
}

async function mount(announceInterval = 5000): Promise<{ page: CamfaLivePage; server: TestConsole }> {
  const server = await testConsole();
  const page = document.createElement('camfa-live-page');
  page.api = server.api;
  page.session = await server.api.session();
  page.announceInterval = announceInterval;
  document.body.append(page);
  await connected(page, server);
  return { page, server };
}

async function choose(page: CamfaLivePage, selector: string, value: string): Promise<void> {
  const control = $(page, selector)!;
  control.value = value;
  control.dispatchEvent(new Event('change', { bubbles: true }));
  await control.updateComplete;
}

describe('<camfa-live-page>', () => {
  let page: CamfaLivePage | undefined;
  afterEach(() => page?.remove());

  it('shows events (geo, device, intranet) and decisions (with why) as they arrive, newest first', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    await server.push('ueba', event('bob'));
    await server.push('decision', decision('bob', true));
    await until(() => rows(page!).length === 2, 'two rows');
    const [newest, oldest] = rows(page);
    expect(newest!.getAttribute('data-kind')).to.equal('decision');
    expect(newest!.textContent!.replace(/\s+/g, ' ')).to.contain('Step-up shop bob login v5 (api) · Rule new-country Why');
    expect(newest!.querySelector('details')!.textContent!.replace(/\s+/g, ' ')).to.contain('known = ["GB"]').and.contain('new-country: held');
    expect(text(oldest!)).to.match(/Event login shop bob Paris, Île-de-France, FR 203\.0\.113\.9 · extranet · mobile · iOS · Safari$/);
  });

  it('opens the stream when its client arrives after the page was connected', async () => {
    const server = await testConsole();
    page = document.createElement('camfa-live-page');
    document.body.append(page);
    page.api = server.api;
    page.session = await server.api.session();
    await connected(page, server);
    await server.push('ueba', event('ivy'));
    await until(() => rows(page!).length === 1, 'the row');
  });

  it('filters by app, user and outcome on the server: the stream reopens with the filters', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    await until(() => $(page!, '#filter-app wa-option[value="shop"]') !== null, 'the apps');
    await choose(page, '#filter-app', 'shop');
    await choose(page, '#filter-outcome', 'hit');
    await choose(page, '#filter-user', 'bob');
    await connected(page, server);
    const queries = (await server.log()).filter((entry) => entry.path === '/live').map((entry) => entry.query);
    expect(queries.at(-1)).to.equal('app=shop&outcome=hit&user=bob');
    await server.push('decision', decision('bob', false));
    await server.push('decision', decision('alice', true));
    await server.push('decision', decision('bob', true));
    await until(() => rows(page!).length === 1, 'the one row let through');
    expect(text(rows(page)[0]!)).to.contain('Step-up shop bob');
  });

  it('holds new rows back while paused and shows them on resume', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    click($(page, '#pause'));
    await page.updateComplete;
    expect($(page, '#pause')!.getAttribute('aria-pressed')).to.equal('true');
    await server.push('ueba', event('carol'));
    await until(() => text(page!.shadowRoot!).includes('1 new while paused'), 'the held row counted');
    expect(rows(page)).to.have.length(0);
    click($(page, '#pause'));
    await until(() => rows(page!).length === 1, 'the held row shown');
    expect(text(rows(page)[0]!)).to.contain('carol');
  });

  it(`keeps the newest ${MAX_ROWS} rows only`, async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    for (let batch = 0; batch < 7; batch += 1) {
      await Promise.all(Array.from({ length: 30 }, (_, index) => server.push('ueba', event(`user-${batch * 30 + index}`))));
    }
    await until(() => text(page!.shadowRoot!.querySelector('#live-table caption')).includes(`latest ${MAX_ROWS}`), 'the bound');
    expect(rows(page)).to.have.length(MAX_ROWS);
  });

  it('announces new rows as counts, politely and at most once per interval, not row by row', async () => {
    const { page: mounted, server } = await mount(400);
    page = mounted;
    const region = $(page, '#announcement')!;
    expect(region.getAttribute('role')).to.equal('status');
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(region.textContent!.trim()));
    observer.observe(region, { childList: true, characterData: true, subtree: true });
    await Promise.all([server.push('ueba', event('dan')), server.push('decision', decision('dan', true)), server.push('ueba', event('erin'))]);
    await until(() => rows(page!).length === 3, 'the rows');
    expect(region.textContent!.trim()).to.equal('');
    await until(() => region.textContent!.includes('new'), 'the announcement');
    observer.disconnect();
    expect(seen.filter(Boolean)).to.deep.equal(['2 new events and 1 new decisions.']);
    expect($(page, '#live-table')!.closest('[aria-live], [role="log"], [role="status"]')).to.equal(null);
  });

  it('charts decisions and step-ups per minute (uPlot, loaded lazily) with the same numbers in a table', async () => {
    const { page: mounted, server } = await mount();
    page = mounted;
    await server.push('decision', decision('fay', true));
    await server.push('decision', decision('gus', false));
    await until(() => rows(page!).length === 2, 'the rows');
    await until(() => $(page!, '#chart canvas') !== null, 'the chart drawn');
    expect($(page, '#chart')!.getAttribute('role')).to.equal('img');
    const table = [...page.shadowRoot!.querySelectorAll('#chart-table tbody tr')].map((row) => text(row).split(' ').slice(-2).join(' '));
    expect(table).to.deep.equal(['2 1']);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`finds nothing under axe-core with rows and the chart shown, ${theme} theme`, async () => {
      await loadTheme();
      applyTheme(theme);
      const server = await testConsole();
      const { shell, unmount } = mountConsole(server.api, '/console/live');
      try {
        await until(() => shell.querySelector('camfa-live-page')?.shadowRoot?.querySelector('#filters') != null, 'the page');
        const live = shell.querySelector('camfa-live-page')!;
        await connected(live, server);
        await server.push('ueba', event('hal'));
        await server.push('decision', decision('hal', true));
        await until(() => rows(live).length === 2 && $(live, '#chart canvas') !== null, 'rows and chart');
        await expectNoAxeViolations(document);
      } finally {
        unmount();
        applyTheme('light');
      }
    });
  }
});
