import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/components/step-up/step-up.js';
import type { ApiClient } from '../src/core/api-client.js';
import { GuardError } from '../src/core/errors.js';
import type { MfaTriggerData, StepUpFactors } from '../src/core/types.js';
import type { Theme } from '../src/themes/themes.js';
import { storyContext } from './support/context.js';

interface StepUpArgs {
  lang: string;
  theme: Theme;
  cancellable: boolean;
  locked: boolean;
}

const OFFER: StepUpFactors = {
  factors: [
    { type: 'totp', enrolled: true, enrollable: false },
    { type: 'sms', enrolled: true, enrollable: false, hint: '+44 •••• 0123' },
    { type: 'email', enrolled: true, enrollable: false, hint: 'a•••@example.com' },
    { type: 'recovery_code', enrolled: true, enrollable: false },
  ],
  // Without a final mark, as policy authors often write it: the dialog ends the sentence in each language.
  reason: {
    ruleId: 'new-country',
    message: 'Sign-in from a country you have not used before',
    messages: { 'zh-CN': '从您从未使用过的国家登录', 'zh-TW': '從您從未使用過的國家登入', ja: 'これまで使用したことのない国からのサインイン' },
  },
  acr: 'urn:camfa:acr:mfa',
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
  appName: 'Shop',
  trustDevice: true,
};

const TRIGGER: MfaTriggerData = {
  stateToken: 'story',
  originalIdentity: 'alice',
  factors: OFFER.factors.map(({ type, enrolled }) => ({ type, enrolled })),
  reason: OFFER.reason,
  acr: OFFER.acr,
  expiresAt: OFFER.expiresAt,
  host: 'https://mfa.example.com',
  appId: 'storybook',
};

/** The step-up's ApiClient calls, answered at once; `factors` per story. */
const api = (factors: ApiClient['factors']): Partial<ApiClient> => ({
  factors,
  sendCode: async ({ channel }) => ({
    challengeId: 'story',
    sentTo: channel === 'sms' ? '+44 •••• 0123' : 'a•••@example.com',
    expiresAt: OFFER.expiresAt,
    resendAvailableAt: new Date(Date.now() + 30_000).toISOString(),
  }),
  enrolTotp: async () => ({ enrolmentId: 'story', secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Shop:alice?secret=JBSWY3DPEHPK3PXP&issuer=Shop' }),
});

/** Opens the screen of the factor whose name starts `name`, as a click on it would, once the list is there. */
async function openScreen(element: HTMLElement, name: string): Promise<void> {
  for (let frame = 0; frame < 120; frame += 1) {
    const picker = element.shadowRoot?.querySelector('guard-factor-select');
    const option = [...(picker?.shadowRoot?.querySelectorAll('button') ?? [])].find((button) => button.textContent?.trim().startsWith(name));
    if (option) return option.click();
    await new Promise(requestAnimationFrame);
  }
}

const meta: Meta<StepUpArgs> = {
  title: 'Elements/guard-step-up',
  component: 'guard-step-up',
  // A modal dialog each: in the docs page every story gets its own frame instead of stacking modals.
  parameters: { docs: { story: { inline: false, iframeHeight: 640 } } },
  args: { lang: 'en', theme: 'light', cancellable: true, locked: false },
  argTypes: {
    lang: { control: 'inline-radio', options: ['en', 'zh-CN', 'zh-TW', 'ja'] },
    theme: { control: 'inline-radio', options: ['light', 'dark', 'auto'] },
  },
  loaders: [
    async ({ args, parameters }) => ({
      context: await storyContext({ lang: args.lang, api: api((parameters.factors as ApiClient['factors'] | undefined) ?? (async () => OFFER)) }),
    }),
  ],
  render: (args, { loaded, parameters }) => {
    const element = document.createElement('guard-step-up');
    element.theme = args.theme;
    element.cancellable = args.cancellable;
    element.locked = args.locked;
    element.trigger = TRIGGER;
    element.context = loaded.context;
    const screen = parameters.screen as string | undefined;
    if (screen) void openScreen(element, screen);
    return element;
  },
};

export default meta;
type Story = StoryObj<StepUpArgs>;

export const FactorList: Story = {};

export const Locked: Story = { args: { cancellable: false, locked: true } };

export const Loading: Story = { parameters: { factors: () => new Promise(() => {}) } };

export const Expired: Story = { parameters: { factors: () => Promise.reject(new GuardError('expired')) } };

export const Dark: Story = { args: { theme: 'dark' } };

/** The policy author's translation of the reason, and the lock notice, in Japanese. */
export const JapaneseLocked: Story = { args: { lang: 'ja', cancellable: false, locked: true } };

/** Each factor's screen (the toolbar shows it light, dark or themed). */
export const AuthenticatorCode: Story = { parameters: { screen: 'Authenticator app' } };

export const TextMessageCode: Story = { parameters: { screen: 'Text message' } };

export const EmailCode: Story = { parameters: { screen: 'E-mail' } };

export const RecoveryCode: Story = { parameters: { screen: 'Recovery code' } };

/** A first authenticator app: QR code, setup key, "Step 1 of 2". */
export const AuthenticatorEnrolment: Story = {
  parameters: { screen: 'Authenticator app', factors: async () => ({ ...OFFER, factors: [{ type: 'totp', enrolled: false, enrollable: true }] }) },
};

/** Every part of the step-up outlined by `::part()` from the page, on the first-enrolment screen (QR code, key, step). */
export const Parts: Story = {
  parameters: AuthenticatorEnrolment.parameters,
  decorators: [
    (story) => {
      const style = document.createElement('style');
      const parts = [
        'dialog',
        'base',
        'title',
        'close-button',
        'reason',
        'lock-notice',
        'error',
        'screen-title',
        'step',
        'qr-code',
        'secret',
        'otp',
        'otp-label',
        'otp-input',
        'otp-hint',
        'otp-error',
      ];
      style.textContent = parts.map((part) => `guard-step-up::part(${part}) { outline: 1px dashed #c026d3; outline-offset: 2px; }`).join('\n');
      const page = document.createElement('div');
      page.append(style, story() as Node);
      return page;
    },
  ],
};
