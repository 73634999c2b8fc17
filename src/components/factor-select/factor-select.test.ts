import { expect } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import type { StepUpFactor } from '../../core/types.js';
import type { GuardContext } from '../../controllers/context.js';
import { GuardI18n } from '../../i18n/i18n.js';
import { accessibleName, expectNoAxeViolations } from '../../test-support/axe.js';
import { deepActiveElement, visibleStrings } from '../../test-support/elements.js';
import type { GuardFactorSelect } from './factor-select.js';
import './factor-select.js';

const FACTORS: StepUpFactor[] = [
  { type: 'sms', enrolled: true, enrollable: false, hint: '+44 •••• 0123' },
  { type: 'totp', enrolled: false, enrollable: true },
  { type: 'webauthn', enrolled: false, enrollable: false },
  { type: 'recovery_code', enrolled: true, enrollable: false },
];

async function mount(factors: StepUpFactor[], lang = 'en'): Promise<GuardFactorSelect> {
  const element = document.createElement('guard-factor-select');
  element.context = { i18n: await GuardI18n.create({ lang }) } as GuardContext;
  element.factors = factors;
  document.body.append(element);
  await element.updateComplete;
  return element;
}

const options = (element: GuardFactorSelect) => [...element.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="option"]')];

describe('<guard-factor-select>', () => {
  afterEach(() => document.querySelectorAll('guard-factor-select').forEach((element) => element.remove()));

  it('lists the factors in policy order with hints, marking the ones to set up and the unavailable ones', async () => {
    const element = await mount(FACTORS);
    expect(options(element).map((option) => visibleStrings(option).join(' | '))).to.deep.equal([
      'Text message | Ready | Recommended | Get a code on +44 •••• 0123.',
      'Authenticator app | Set up now | Enter a code from an app such as Google Authenticator or 1Password.',
      'Passkey or security key | Not set up | Use your fingerprint, face, screen lock or a security key.',
      'Recovery code | Ready | Use one of the codes you saved when you set up verification.',
    ]);
    expect(options(element).map((option) => option.disabled)).to.deep.equal([false, false, true, false]);
    expect(element.shadowRoot!.querySelector('[part~="error"]')!.textContent).to.equal('');
    await expectNoAxeViolations(element);
  });

  it('says every state in words, in each language, as part of the option’s name: no box or bar that reads as a selection', async () => {
    const legends = { en: ['Ready', 'Recommended'], 'zh-CN': ['可用', '推荐'], 'zh-TW': ['可用', '推薦'], ja: ['利用可能', 'おすすめ'] };
    for (const [lang, [ready, recommended]] of Object.entries(legends)) {
      const element = await mount(FACTORS, lang);
      const [sms, totp] = options(element);
      // Heard: right after the factor's name, as the name is the button's visible text.
      const [name, badge, first, description] = visibleStrings(sms!);
      expect([badge, first, accessibleName(sms!)], lang).to.deep.equal([ready, recommended, `${name} ${ready} ${recommended} ${description}`]);
      expect(totp!.querySelector('[part~="option-recommended"]'), lang).to.equal(null);
      // Seen: labels are plain text, never boxed or filled like a button; no option carries a bar of its own.
      for (const label of element.shadowRoot!.querySelectorAll('[part~="option-badge"], [part~="option-recommended"]')) {
        const style = getComputedStyle(label);
        expect([style.borderTopStyle, style.backgroundColor], lang).to.deep.equal(['none', 'rgba(0, 0, 0, 0)']);
      }
      expect(new Set(options(element).map((option) => getComputedStyle(option).borderInlineStartWidth)), lang).to.deep.equal(new Set(['1px']));
      await expectNoAxeViolations(element);
      element.remove();
    }
  });

  it('outlines only the option the keyboard is on, in the primary colour', async () => {
    const element = await mount(FACTORS);
    const [sms, totp] = options(element);
    totp!.focus();
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowUp' });
    const primary = getComputedStyle(element).getPropertyValue('--guard-color-primary').trim();
    expect(primary).to.equal('#2563eb');
    expect([getComputedStyle(totp!).borderTopColor, getComputedStyle(sms!).borderTopColor]).to.deep.equal(['rgb(37, 99, 235)', 'rgb(203, 213, 225)']);
  });

  it('names each option with its state', async () => {
    const element = await mount(FACTORS);
    expect(
      options(element)
        .map(accessibleName)
        .map((name) => /^(.+?) (Ready|Set up now|Not set up) /.exec(name)?.slice(1)),
    ).to.deep.equal([
      ['Text message', 'Ready'],
      ['Authenticator app', 'Set up now'],
      ['Passkey or security key', 'Not set up'],
      ['Recovery code', 'Ready'],
    ]);
  });

  it('says how a code comes when the destination is not known, rather than “Get a code on .”', async () => {
    const hintless: StepUpFactor[] = [
      { type: 'sms', enrolled: false, enrollable: false },
      { type: 'email', enrolled: false, enrollable: false },
    ];
    const descriptions = async (lang: string) =>
      options(await mount(hintless, lang)).map((option) => option.querySelector('[part~="option-description"]')!.textContent);
    expect(await descriptions('en')).to.deep.equal(['Get a code by text message.', 'Get a code by e-mail.']);
    expect(await descriptions('zh-TW')).to.deep.equal(['透過簡訊接收驗證碼。', '透過電子郵件接收驗證碼。']);
  });

  it('is chosen from the keyboard: arrows move between usable factors, Enter picks', async () => {
    const element = await mount(FACTORS);
    const chosen: unknown[] = [];
    element.addEventListener('guard-factor-select', (event) => chosen.push(event.detail));
    element.focus();
    expect(deepActiveElement()).to.equal(options(element)[0]);
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowDown' });
    expect(deepActiveElement()).to.equal(options(element)[3]);
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'Space' });
    expect(chosen).to.deep.equal([
      { type: 'sms', enrolled: true },
      { type: 'recovery_code', enrolled: true },
    ]);
  });

  it('says so in its alert region when no factor can be used', async () => {
    const element = await mount([{ type: 'face', enrolled: false, enrollable: false }]);
    const error = element.shadowRoot!.querySelector('[part~="error"]')!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('No verification method is available to you. Contact your administrator.');
    await expectNoAxeViolations(element);
  });

  it('re-renders in the new language when the locale changes', async () => {
    const element = await mount(FACTORS);
    const english = visibleStrings(element);
    await element.context!.i18n.changeLanguage('zh-CN');
    await element.updateComplete;
    const chinese = visibleStrings(element);
    expect(chinese[0]).to.equal('短信');
    expect(chinese).to.have.length(english.length);
    expect(chinese.filter((text) => english.includes(text))).to.deep.equal([]);
  });
});
