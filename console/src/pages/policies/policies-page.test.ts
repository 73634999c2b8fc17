import { expect } from 'chai';
import { until, visibleStrings } from '../../../../src/test-support/elements.js';
import { testConsole } from '../../test-support/console-server.js';
import type { CamfaPoliciesPage } from './policies-page.js';
import './policies-page.js';

const sections = (page: CamfaPoliciesPage) =>
  [...page.shadowRoot!.querySelectorAll('section[aria-label]')].map((section) => ({
    title: section.getAttribute('aria-label'),
    text: visibleStrings(section).join(' '),
  }));

describe('<camfa-policies-page>', () => {
  let page: CamfaPoliciesPage | undefined;
  afterEach(() => page?.remove());

  it('shows global and per-app workflows with the inheritance, and opens one in the editor’s slot', async () => {
    const { api } = await testConsole();
    page = document.createElement('camfa-policies-page');
    page.api = api;
    page.session = await api.session();
    document.body.append(page);
    await until(() => sections(page!).length === 2, 'the scopes');
    const [global, shop] = sections(page);
    expect(global!.title).to.equal('Global workflows');
    expect(global!.text).to.contain('login Login risk').and.contain('session-risk Session risk');
    expect(shop!.title).to.equal('Workflows of Shop');
    expect(shop!.text).to.contain('Shop login').and.contain('overrides the global “login”');
    expect(shop!.text).to.contain('session-risk Session risk — inherited from global').and.not.contain('login Login risk');

    const open = [...page.shadowRoot!.querySelectorAll('section[aria-label="Workflows of Shop"] wa-button')][0]!;
    open.shadowRoot!.querySelector('button')!.click();
    await until(() => page!.shadowRoot!.querySelector('#editor-title') !== null, 'the editor section');
    expect(page.shadowRoot!.querySelector('#editor-title')!.textContent).to.equal('login (version 5)');
    // The test runner has no import.meta.glob: the slot says the editor is loading, and publishing waits for it.
    expect(visibleStrings(page.shadowRoot!)).to.include('The policy editor is loading…');
  });
});
