import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  // Tags with a dash that Vue does not know are custom elements: `<guard-login>` stays a DOM element.
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('guard-') } } })],
  // The built app works under any path (the test serves it at /vue/).
  base: './',
});
