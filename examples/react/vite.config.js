import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `base: './'`: the built app works under any path (the test serves it at /react/).
export default defineConfig({ plugins: [react()], base: './' });
