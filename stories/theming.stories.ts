import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/components/login/login.js';
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
