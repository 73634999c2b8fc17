import { expect } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import { expectNoAxeViolations } from '../../test-support/axe.js';
import { until } from '../../test-support/elements.js';
import { stubWebOtp } from '../../test-support/web-otp.js';
import { DARK_TOKENS, LIGHT_TOKENS } from '../../themes/themes.js';
import type { GuardOtpInput } from './otp-input.js';
import './otp-input.js';

async function mount(properties: Partial<GuardOtpInput> = {}): Promise<GuardOtpInput> {
  const element = Object.assign(document.createElement('guard-otp-input'), { label: 'Verification code', hint: 'Enter the 6-digit code' }, properties);
  document.body.append(element);
  await element.updateComplete;
  return element;
}

const input = (element: GuardOtpInput) => element.shadowRoot!.querySelector('input')!;
const completions = (element: GuardOtpInput) => {
  const codes: string[] = [];
  element.addEventListener('guard-otp-complete', (event) => codes.push(event.detail.code));
  return codes;
};

describe('<guard-otp-input>', () => {
  afterEach(() => document.querySelectorAll('guard-otp-input').forEach((element) => element.remove()));

  it('is one labelled numeric input that SMS autofill and password managers recognise', async () => {
    const element = await mount();
    const field = input(element);
    expect(element.shadowRoot!.querySelectorAll('input')).to.have.length(1);
    expect([field.inputMode, field.autocomplete, field.maxLength]).to.deep.equal(['numeric', 'one-time-code', 6]);
    expect(field.labels![0]!.textContent).to.equal('Verification code');
    await expectNoAxeViolations(element);
  });

  it('completes when six digits are typed from the keyboard, ignoring anything else', async () => {
    const element = await mount();
    const codes = completions(element);
    element.focus();
    await sendKeys({ type: '12a3 45' });
    expect(element.value).to.equal('12345');
    expect(codes).to.deep.equal([]);
    await sendKeys({ press: 'Enter' });
    expect(codes).to.deep.equal([]);
    await sendKeys({ type: '6' });
    expect(codes).to.deep.equal(['123456']);
  });

  describe('WebOTP', () => {
    let webOtp: ReturnType<typeof stubWebOtp>;
    beforeEach(() => (webOtp = stubWebOtp()));
    afterEach(() => webOtp.restore());

    it('fills and completes the field from the SMS the browser read, and waits again for a resend', async () => {
      const element = await mount({ webotp: true });
      const codes = completions(element);
      expect(webOtp.requests.map((request) => (request as { otp?: unknown }).otp)).to.deep.equal([{ transport: ['sms'] }]);
      webOtp.smsArrives('482913');
      await until(() => codes.length === 1, 'the SMS code');
      expect([input(element).value, codes]).to.deep.equal(['482913', ['482913']]);
      await element.updateComplete;
      expect(webOtp.requests).to.have.length(2);
    });

    it('asks only for SMS codes, and stops asking when the field leaves the page', async () => {
      await mount();
      expect(webOtp.requests).to.deep.equal([]);
      const element = await mount({ webotp: true });
      const signal = webOtp.requests[0]!.signal!;
      element.remove();
      expect(signal.aborted).to.equal(true);
    });
  });

  it('takes a pasted code with spaces or dashes', async () => {
    const element = await mount();
    const codes = completions(element);
    const field = input(element);
    field.value = '123-456';
    field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertFromPaste' }));
    expect(field.value).to.equal('123456');
    expect(codes).to.deep.equal(['123456']);
  });

  it('announces an error beside the field, marks it invalid, and clear() empties it and refocuses', async () => {
    const element = await mount();
    element.focus();
    await sendKeys({ type: '999999' });
    element.error = 'That code is not right.';
    element.clear();
    await element.updateComplete;
    const error = element.shadowRoot!.querySelector('[part~="error"]')!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('That code is not right.');
    expect(input(element).getAttribute('aria-invalid')).to.equal('true');
    expect(input(element).value).to.equal('');
    expect(element.shadowRoot!.activeElement).to.equal(input(element));
    await expectNoAxeViolations(element);
  });

  it('in alphanumeric mode keeps letters and dashes and completes on Enter only', async () => {
    const element = await mount({ alphanumeric: true, length: 14 });
    const codes = completions(element);
    expect([input(element).inputMode, input(element).autocomplete]).to.deep.equal(['text', 'off']);
    element.focus();
    await sendKeys({ type: 'abcd-efgh-jkmn' });
    expect(codes).to.deep.equal([]);
    await sendKeys({ press: 'Enter' });
    expect(codes).to.deep.equal(['abcd-efgh-jkmn']);
  });

  it('does not complete while busy, and stays focusable', async () => {
    const element = await mount({ busy: true });
    const codes = completions(element);
    element.focus();
    await sendKeys({ type: '123456' });
    expect(codes).to.deep.equal([]);
    expect(element.shadowRoot!.activeElement).to.equal(input(element));
  });

  it('takes its colours from the theme tokens', async () => {
    const element = await mount();
    const background = () => getComputedStyle(input(element)).backgroundColor;
    const light = background();
    element.setAttribute('theme', 'dark');
    expect(light).to.not.equal(background());
    expect([LIGHT_TOKENS['color-surface'], DARK_TOKENS['color-surface']]).to.deep.equal(['#ffffff', '#0f172a']);
    expect(background()).to.equal('rgb(15, 23, 42)');
  });
});
