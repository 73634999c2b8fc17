import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/components/login/login.js';
import type { ApiClient } from '../src/core/api-client.js';
import type { LoginMethod } from '../src/events/login-submit.js';
import { LANGUAGES } from '../src/i18n/languages.js';
import type { Theme } from '../src/themes/themes.js';
import { storyContext, type LoginBehaviour } from './support/context.js';

interface LoginArgs {
  theme: Theme;
  mode: 'normal' | 'modal';
  methods: LoginMethod[];
  lang: string;
}

const sendLoginCode: ApiClient['sendLoginCode'] = async () => ({
  challengeId: 'story',
  sentTo: '+44 •••• 0123',
  channel: 'sms',
});

/** Fills the form and submits it, as a user would, so a story shows what follows. */
async function submit(canvas: HTMLElement, fields: Record<string, string>, method?: string): Promise<void> {
  const element = canvas.querySelector('guard-login')!;
  await element.updateComplete;
  if (method) {
    [...element.shadowRoot!.querySelectorAll('[part="methods"] button')]
      .find((button) => button.textContent?.trim() === method)
      ?.dispatchEvent(new MouseEvent('click'));
    await element.updateComplete;
  }
  for (const [autocomplete, value] of Object.entries(fields)) element.querySelector<HTMLInputElement>(`input[autocomplete="${autocomplete}"]`)!.value = value;
  element.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
  await element.updateComplete;
}

const meta: Meta<LoginArgs> = {
  title: 'Elements/guard-login',
  component: 'guard-login',
  args: { theme: 'light', mode: 'normal', methods: ['password', 'sms', 'email'], lang: 'en' },
  argTypes: {
    theme: { control: 'inline-radio', options: ['light', 'dark', 'auto'] },
    mode: { control: 'inline-radio', options: ['normal', 'modal'] },
    methods: { control: 'check', options: ['password', 'sms', 'email'] },
    lang: { control: 'select', options: [...LANGUAGES] },
  },
  loaders: [
    async ({ args, parameters }) => ({
      context: await storyContext({ lang: args.lang, login: parameters.login as LoginBehaviour | undefined, api: { sendLoginCode } }),
    }),
  ],
  render: (args, { loaded }) => {
    const element = document.createElement('guard-login');
    element.theme = args.theme;
    element.mode = args.mode;
    element.methods = args.methods;
    element.context = loaded.context;
    return element;
  },
};

export default meta;
type Story = StoryObj<LoginArgs>;

export const Idle: Story = {};

export const Loading: Story = {
  parameters: { login: 'pending' },
  play: ({ canvasElement }) => submit(canvasElement, { username: 'alice@example.com', 'current-password': 'correct horse' }),
};

export const Failed: Story = {
  name: 'Error',
  parameters: { login: 'invalid_credentials' },
  play: ({ canvasElement }) => submit(canvasElement, { username: 'alice@example.com', 'current-password': 'wrong' }),
};

export const CodeStep: Story = {
  play: ({ canvasElement }) => submit(canvasElement, { tel: '+447700900123' }, 'Text message code'),
};

export const Dark: Story = { args: { theme: 'dark' } };

export const Modal: Story = { args: { mode: 'modal' } };
