import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server-mock/**/*.test.ts', 'src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Backend integration tests spawn real processes and bind ports; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
