import { defineConfig } from 'vitest/config';

// Suites start real servers (PostgreSQL, Express apps in child processes, the native stack),
// so timeouts are generous and files run with limited parallelism on 2-core machines.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
  },
});
