import { expect } from 'chai';
import { emulateMedia } from '@web/test-runner-commands';
import { css, html, LitElement } from 'lit';
import { DARK_TOKENS, LIGHT_TOKENS, themeStyles } from './themes.js';

/** An element styled the way the components are: themeStyles first, then rules that only use tokens. */
class ThemedProbe extends LitElement {
  static override styles = [
    themeStyles,
    css`
      .box {
        color: var(--guard-color-text);
        background: var(--guard-color-surface);
        border-radius: var(--guard-radius);
      }
    `,
  ];
  override render() {
    return html`<div class="box">probe</div>`;
  }
}
customElements.define('themed-probe', ThemedProbe);

/** The browser's computed form of a CSS colour, for comparing with getComputedStyle. */
function computed(colour: string): string {
  const probe = document.createElement('div');
  probe.style.color = colour;
  document.body.append(probe);
  const value = getComputedStyle(probe).color;
  probe.remove();
  return value;
}

async function mount(theme?: string): Promise<HTMLElement> {
  const element = document.createElement('themed-probe') as ThemedProbe;
  if (theme) element.setAttribute('theme', theme);
  document.body.append(element);
  await element.updateComplete;
  return element.shadowRoot!.querySelector('.box') as HTMLElement;
}

describe('themes', () => {
  afterEach(async () => {
    document.querySelectorAll('themed-probe').forEach((element) => element.remove());
    await emulateMedia({ colorScheme: 'light' });
  });

  it('light by default, dark with theme="dark"', async () => {
    const light = getComputedStyle(await mount());
    expect(light.color).to.equal(computed(LIGHT_TOKENS['color-text']));
    expect(light.backgroundColor).to.equal(computed(LIGHT_TOKENS['color-surface']));
    expect(light.borderTopLeftRadius).to.equal('8px');
    const dark = getComputedStyle(await mount('dark'));
    expect(dark.color).to.equal(computed(DARK_TOKENS['color-text']));
    expect(dark.backgroundColor).to.equal(computed(DARK_TOKENS['color-surface']));
    expect(dark.color).not.to.equal(light.color);
  });

  it('theme="auto" follows prefers-color-scheme', async () => {
    const box = await mount('auto');
    expect(getComputedStyle(box).color).to.equal(computed(LIGHT_TOKENS['color-text']));
    await emulateMedia({ colorScheme: 'dark' });
    expect(getComputedStyle(box).color).to.equal(computed(DARK_TOKENS['color-text']));
  });

  it('lets the page override a token on the element', async () => {
    const box = await mount();
    (box.getRootNode() as ShadowRoot).host.setAttribute('style', '--guard-color-text: rgb(1, 2, 3)');
    expect(getComputedStyle(box).color).to.equal('rgb(1, 2, 3)');
  });

  it('leaks nothing into the host page', async () => {
    const outside = document.createElement('div');
    outside.className = 'box';
    document.body.append(outside);
    const before = [getComputedStyle(document.body).color, getComputedStyle(document.body).fontFamily, getComputedStyle(outside).backgroundColor];
    await mount('dark');
    expect([getComputedStyle(document.body).color, getComputedStyle(document.body).fontFamily, getComputedStyle(outside).backgroundColor]).to.deep.equal(
      before,
    );
    expect(getComputedStyle(document.documentElement).getPropertyValue('--guard-color-text')).to.equal('');
    expect(document.adoptedStyleSheets).to.have.length(0);
    expect(document.querySelectorAll('style')).to.have.length(0);
    outside.remove();
  });
});
