import { expect } from 'chai';
import { until, visibleStrings } from '../../../../src/test-support/elements.js';
import { ConsoleApi } from '../../api.js';
import { testConsole } from '../../test-support/console-server.js';
import type { CamfaAppCard } from './app-card.js';
import type { CamfaAppsPage } from './apps-page.js';
import './apps-page.js';

type Control = HTMLElement & { value: string; checked: boolean; disabled: boolean; open: boolean };

async function mountPage(role: 'editor' | 'viewer' = 'editor') {
  const server = await testConsole({ role });
  const page = document.createElement('camfa-apps-page') as CamfaAppsPage;
  page.api = server.api;
  page.session = await server.api.session();
  document.body.append(page);
  await until(() => cards(page).length > 0, 'the app list');
  return { page, ...server };
}

const root = (element: Element) => element.shadowRoot!;
const cards = (page: CamfaAppsPage) => [...root(page).querySelectorAll<CamfaAppCard>('camfa-app-card')];
const card = (page: CamfaAppsPage, id: string) => cards(page).find((candidate) => candidate.app.id === id)!;
const button = (scope: ParentNode, text: string) =>
  [...scope.querySelectorAll<Control>('wa-button')].find((candidate) => candidate.textContent?.trim() === text)!;
/** Web Awesome's buttons act on a click of their inner button, as a pointer gives it. */
const click = (element: Element) => (element.shadowRoot?.querySelector<HTMLElement>('button') ?? (element as HTMLElement)).click();
/** A switch flips when its own input is clicked, as a pointer does. */
const flip = (control: Control) => control.shadowRoot!.querySelector('input')!.click();
const dialog = (page: CamfaAppsPage, label: RegExp) =>
  [...root(page).querySelectorAll<Control>('wa-dialog')].find((candidate) => label.test(candidate.getAttribute('label') ?? ''))!;
const text = (node: Node) => visibleStrings(node).join(' ');

describe('<camfa-apps-page>', () => {
  let page: CamfaAppsPage | undefined;
  afterEach(() => page?.remove());

  it('lists the apps: a config app is marked "from config" with its controls disabled and its fail mode shown', async () => {
    ({ page } = await mountPage());
    const shop = card(page, 'shop');
    await shop.updateComplete;
    expect(text(root(shop)))
      .to.contain('from config')
      .and.contain('This app comes from the config file')
      .and.contain('open: users pass while the backend is down');
    const switches = [...root(shop).querySelectorAll<Control>('wa-switch')];
    expect(switches.map((control) => control.getAttribute('name'))).to.deep.equal(['totp', 'sms', 'email', 'webauthn', 'face', 'recovery_code']);
    expect(switches.every((control) => control.disabled && control.checked)).to.equal(true);
    expect(button(root(shop), 'Rotate secret').disabled).to.equal(true);
  });

  it('creates an app in the dialog and shows its secret once, with a warning, in a copyable field', async () => {
    let server: Omit<Awaited<ReturnType<typeof mountPage>>, 'page'>;
    ({ page, ...server } = await mountPage());
    click(button(root(page), 'Create app'));
    const create = dialog(page, /Create an app/);
    await until(() => create.open, 'the create dialog');
    const form = root(page).querySelector<HTMLFormElement>('#create')!;
    (form.querySelector('wa-input[name="id"]') as Control).value = 'bank';
    (form.querySelector('wa-input[name="name"]') as Control).value = 'Northwind Bank';
    (form.querySelector('wa-textarea[name="origins"]') as Control).value = 'https://bank.example\nhttps://m.bank.example';
    for (const factor of ['sms', 'face']) (form.querySelector(`wa-checkbox[value="${factor}"]`) as Control).checked = false;
    // Web Awesome's controls update their validity when they render.
    await Promise.all([...form.elements].map((control) => (control as Partial<CamfaAppCard>).updateComplete ?? Promise.resolve(true)));
    click(button(create, 'Create app'));

    await until(() => dialog(page!, /Secret of bank/)?.open === true, 'the secret dialog');
    const secretDialog = dialog(page, /Secret of bank/);
    expect(text(secretDialog)).to.contain('it is shown only once');
    expect((secretDialog.querySelector('#secret') as Control).value).to.equal('secret-1');
    expect(secretDialog.querySelector('wa-copy-button')!.value).to.equal('secret-1');
    const created = (await server.api.apps()).find(({ id }) => id === 'bank')!;
    expect(created).to.deep.include({
      name: 'Northwind Bank',
      origins: ['https://bank.example', 'https://m.bank.example'],
      factors: ['totp', 'email', 'webauthn', 'recovery_code'],
    });
    expect(cards(page).map(({ app }) => app.id)).to.deep.equal(['shop', 'bank']);

    click(button(secretDialog, 'Close'));
    await until(() => !root(page!).querySelector<Control>('wa-dialog[label^="Secret"]'), 'the secret dialog gone');
    expect(text(root(page))).not.to.contain('secret-1');
  });

  it('saves factor switches with the version read; a stale edit shows the conflict and Reload brings the other change', async () => {
    let server: Omit<Awaited<ReturnType<typeof mountPage>>, 'page'>;
    ({ page, ...server } = await mountPage());
    const { app } = await server.api.createApp({ id: 'race', name: 'Race', origins: [] });
    await page.load();
    let race = card(page, 'race');
    await race.updateComplete;
    // Someone else saves first: the page still holds version 1.
    await new ConsoleApi({ baseUrl: server.api.baseUrl }).session().then(async () => server.api.updateApp(app.id, app.version, { name: 'Renamed elsewhere' }));
    const sms = root(race).querySelector<Control>('wa-switch[name="sms"]')!;
    flip(sms);
    await until(() => !sms.checked, 'sms switched off');
    click(button(root(race), 'Save'));
    await until(() => text(root(race)).includes('Someone changed this app meanwhile'), 'the conflict');
    expect((await server.api.apps()).find(({ id }) => id === 'race')).to.deep.include({ name: 'Renamed elsewhere', version: 2 });

    click(button(root(race), 'Reload'));
    await until(() => card(page!, 'race')?.app.version === 2, 'the reloaded app');
    race = card(page, 'race');
    await race.updateComplete;
    expect(text(root(race)))
      .to.contain('Renamed elsewhere')
      .and.not.contain('Someone changed');
    const smsAgain = root(race).querySelector<Control & CamfaAppCard>('wa-switch[name="sms"]')!;
    expect(smsAgain.checked).to.equal(true);
    flip(smsAgain);
    // Web Awesome's switch announces the change once it has rendered.
    await smsAgain.updateComplete;
    await race.updateComplete;
    click(button(root(race), 'Save'));
    await until(() => text(root(race)).includes('Saved.'), 'saved');
    expect((await server.api.apps()).find(({ id }) => id === 'race')!.factors).to.deep.equal(['totp', 'email', 'webauthn', 'face', 'recovery_code']);
  });

  it('rotates a secret only after confirming, then shows the new one once', async () => {
    let server: Omit<Awaited<ReturnType<typeof mountPage>>, 'page'>;
    ({ page, ...server } = await mountPage());
    await server.api.createApp({ id: 'spin', name: 'Spin', origins: [] });
    await page.load();
    const spin = card(page, 'spin');
    await spin.updateComplete;
    click(button(root(spin), 'Rotate secret'));
    const confirm = root(spin).querySelector<Control>('wa-dialog')!;
    await until(() => confirm.open, 'the confirmation');
    expect(text(confirm)).to.contain('The current secret stops working at once');
    expect((await server.log()).some(({ path }) => path.endsWith('/secret'))).to.equal(false);
    click(button(confirm, 'Rotate secret'));
    await until(() => dialog(page!, /Secret of spin/)?.open === true, 'the new secret');
    expect((dialog(page, /Secret of spin/).querySelector('#secret') as Control).value).to.equal('secret-2');
  });

  it('gives a viewer every app with the change controls disabled and the reason shown', async () => {
    ({ page } = await mountPage('viewer'));
    expect(button(root(page), 'Create app').disabled).to.equal(true);
    expect(text(root(page))).to.contain('You have view-only access');
  });
});
