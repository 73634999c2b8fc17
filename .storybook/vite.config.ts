import { defineConfig } from 'vite';

// Storybook's builder adds its own plugins; the elements need nothing beyond Vite's defaults.
export default defineConfig({ logLevel: 'warn' });
