import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Browser code is tested in Chromium by web-test-runner (`npm run test:browser`); only its `*.node.test.ts` run here.
    include: ['server-mock/**/*.test.ts', 'e2e/**/*.test.ts', 'src/**/*.node.test.ts', 'scripts/**/*.test.ts', 'examples/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Backend integration tests spawn real processes and bind ports; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
