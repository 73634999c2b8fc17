import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/components/otp-input/otp-input.js';

interface OtpInputArgs {
  label: string;
  hint: string;
  error: string;
  length: number;
  alphanumeric: boolean;
  busy: boolean;
}

const meta: Meta<OtpInputArgs> = {
  title: 'Elements/guard-otp-input',
  component: 'guard-otp-input',
  args: { label: 'Verification code', hint: 'Sent to +44 •••• 0123', error: '', length: 6, alphanumeric: false, busy: false },
  render: (args) => {
    const element = document.createElement('guard-otp-input');
    Object.assign(element, args);
    return element;
  },
};

export default meta;
type Story = StoryObj<OtpInputArgs>;

export const Empty: Story = {};

export const WithError: Story = { args: { error: 'That code is not valid. Check it and try again.' } };

export const Busy: Story = { args: { busy: true } };

/** Recovery codes: letters and digits, longer. */
export const RecoveryCode: Story = { args: { label: 'Recovery code', hint: '', length: 14, alphanumeric: true } };
