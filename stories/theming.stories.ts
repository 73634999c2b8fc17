import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/components/factor-select/factor-select.js';
import '../src/components/login/login.js';
import '../src/components/otp-input/otp-input.js';
import { DARK_TOKENS, LIGHT_TOKENS, type Theme, type ThemeToken } from '../src/themes/themes.js';
import { storyContext } from './support/context.js';

/** One control per `--guard-*` token, starting from the theme's own value. */
type TokenArgs = Record<ThemeToken, string> & { theme: Theme };

const tokens = Object.keys(LIGHT_TOKENS) as ThemeToken[];

const meta: Meta<TokenArgs> = {
  title: 'Theming/Playground',
  component: 'guard-login',
  parameters: { docs: { description: { component: 'Every `--guard-*` design token as a control. A page sets the same properties on the elements.' } } },
  argTypes: {
    theme: { control: false },
    ...Object.fromEntries(
      tokens.map((token) => [token, { name: `--guard-${token}`, control: token.startsWith('color-') ? 'color' : 'text', table: { category: 'tokens' } }]),
    ),
  },
  loaders: [async () => ({ context: await storyContext() })],
  render: (args, { loaded }) => {
    const element = document.createElement('guard-login');
    element.theme = args.theme;
    // CSSOM property writes, not a style attribute: they work under a strict CSP too.
    for (const token of tokens) element.style.setProperty(`--guard-${token}`, args[token]);
    element.context = loaded.context;
    return element;
  },
};

export default meta;
type Story = StoryObj<TokenArgs>;

export const Light: Story = { args: { theme: 'light', ...LIGHT_TOKENS } };

export const Dark: Story = { args: { theme: 'dark', ...LIGHT_TOKENS, ...DARK_TOKENS } };

/** Every part of the inline elements outlined and labelled by `::part()`, as a page's stylesheet would style them. */
export const Parts: StoryObj = {
  render: (_, { loaded }) => {
    const page = document.createElement('div');
    const style = document.createElement('style');
    const parts = [
      'base',
      'title',
      'methods',
      'error',
      'list',
      'option',
      'option-name',
      'option-badge',
      'option-recommended',
      'option-description',
      'label',
      'input',
      'hint',
    ];
    style.textContent = parts.map((part) => `.parts ::part(${part}) { outline: 1px dashed #c026d3; outline-offset: 2px; }`).join('\n');
    const login = Object.assign(document.createElement('guard-login'), { context: loaded.context });
    const picker = Object.assign(document.createElement('guard-factor-select'), {
      context: loaded.context,
      factors: [
        { type: 'totp', enrolled: true, enrollable: false },
        { type: 'sms', enrolled: false, enrollable: true },
      ],
    });
    const code = Object.assign(document.createElement('guard-otp-input'), {
      label: 'Verification code',
      hint: 'Enter the 6-digit code',
      error: 'That code is not valid.',
    });
    page.className = 'parts';
    page.append(style, login, picker, code);
    return page;
  },
};
