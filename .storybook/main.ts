import type { StorybookConfig } from '@storybook/web-components-vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.ts'],
  addons: ['@storybook/addon-docs'],
  framework: {
    name: '@storybook/web-components-vite',
    // The library's vite.config.ts only knows its build modes (npm, cdn-*); Storybook gets a plain config.
    options: { builder: { viteConfigPath: '.storybook/vite.config.ts' } },
  },
  // The docs renderer is one large chunk by design; Vite's 500 kB warning would only be noise in CI.
  viteFinal: (viteConfig) => ({ ...viteConfig, build: { ...viteConfig.build, chunkSizeWarningLimit: 4096 } }),
  // Offline and quiet: no telemetry, no "what's new" or version checks reaching out.
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
};

export default config;
