import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/components/factor-select/factor-select.js';
import type { StepUpFactor } from '../src/core/types.js';
import { storyContext } from './support/context.js';

interface FactorSelectArgs {
  lang: string;
}

const ALL: StepUpFactor[] = [
  { type: 'totp', enrolled: true, enrollable: false },
  { type: 'sms', enrolled: true, enrollable: false, hint: '+44 •••• 0123' },
  { type: 'email', enrolled: false, enrollable: false },
  { type: 'recovery_code', enrolled: true, enrollable: false },
];

const meta: Meta<FactorSelectArgs> = {
  title: 'Elements/guard-factor-select',
  component: 'guard-factor-select',
  args: { lang: 'en' },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'zh-CN', 'zh-TW', 'ja'] } },
  loaders: [async ({ args }) => ({ context: await storyContext({ lang: args.lang }) })],
  render: (_args, { loaded, parameters }) => {
    const element = document.createElement('guard-factor-select');
    element.context = loaded.context;
    element.factors = (parameters.factors as StepUpFactor[] | undefined) ?? ALL;
    return element;
  },
};

export default meta;
type Story = StoryObj<FactorSelectArgs>;

/** Set-up factors highlighted and marked "Ready", one not set up (disabled, no address on file), in the policy's order. */
export const Enrolled: Story = {};

/** A first step-up: TOTP can be set up now. */
export const FirstEnrolment: Story = { parameters: { factors: [{ type: 'totp', enrolled: false, enrollable: true }] satisfies StepUpFactor[] } };

/** Nothing usable: the error region says so. */
export const NoneUsable: Story = { parameters: { factors: [{ type: 'email', enrolled: false, enrollable: false }] satisfies StepUpFactor[] } };

export const Japanese: Story = { args: { lang: 'ja' } };
