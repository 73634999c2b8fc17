// axe-core over every console page, the shell around it included, in the light and the dark theme.
import { expect } from 'chai';
import { expectNoAxeViolations } from '../../../src/test-support/axe.js';
import { until } from '../../../src/test-support/elements.js';
import { applyTheme } from '../theme.js';
import { PAGES } from '../shell/routes.js';
import { loadTheme, mountConsole } from '../test-support/page.js';
import { testConsole } from '../test-support/console-server.js';
import type { ConsolePage } from './page.js';
import { loadPolicyEditor } from './policies/editor-slot.js';

/** Settled: the page's own calls answered (no "Loading…" left) and its Web Awesome controls rendered. */
async function settled(page: ConsolePage): Promise<void> {
  await until(() => page.shadowRoot !== null && !page.shadowRoot.textContent?.includes('Loading…'), `${page.localName} loaded`);
  await page.updateComplete;
  await Promise.all([...page.shadowRoot!.querySelectorAll('*')].map((element) => (element as Partial<ConsolePage>).updateComplete ?? Promise.resolve(true)));
}

describe('console pages under axe-core', () => {
  const surfaces: Partial<Record<'light' | 'dark', Set<string>>> = {};
  before(loadTheme);
  // The Simulate page shows the editor, a chunk of its own: loaded once here rather than inside one page's check.
  before(() => loadPolicyEditor());
  after(() => {
    expect([...(surfaces.light ?? [])]).not.to.deep.equal([...(surfaces.dark ?? [])]);
    applyTheme('light');
    localStorage.removeItem('camfa-console-theme');
  });

  for (const theme of ['light', 'dark'] as const) {
    for (const role of ['editor', 'viewer'] as const) {
      it(`finds nothing on any page for an ${role}, ${theme} theme`, async () => {
        applyTheme(theme, { remember: true });
        const { api } = await testConsole({ role });
        // The theme really applies (its stylesheet loaded, the theme's class on <html>): axe checks the contrast.
        const surface = getComputedStyle(document.documentElement).getPropertyValue('--wa-color-surface-default').trim();
        expect(surface, 'the Web Awesome theme').not.to.equal('');
        (surfaces[theme] ??= new Set()).add(surface);
        for (const name of PAGES) {
          const { shell, unmount } = mountConsole(api, `/console/${name}`);
          try {
            await until(() => shell.querySelector(`camfa-${name}-page`) !== null, `the ${name} page`);
            await settled(shell.querySelector<ConsolePage>(`camfa-${name}-page`)!);
            await expectNoAxeViolations(document);
          } catch (error) {
            throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
          } finally {
            unmount();
          }
        }
      });
    }

    it(`finds nothing on the sign-in page, ${theme} theme`, async () => {
      applyTheme(theme, { remember: true });
      const { api } = await testConsole({ signedIn: false });
      const { shell, unmount } = mountConsole(api);
      try {
        await until(() => shell.querySelector('camfa-sign-in guard-login input') !== null, 'the login form');
        expect(shell.querySelector('guard-login')!.getAttribute('theme')).to.equal(theme);
        await expectNoAxeViolations(document);
      } finally {
        unmount();
      }
    });
  }
});
