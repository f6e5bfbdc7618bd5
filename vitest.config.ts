import { defineConfig } from 'vitest/config';

/**
 * Suites that need the binaries `bash scripts/stack/provision.sh` provides (the native stack,
 * Prometheus, Alertmanager, promtool, amtool, dashboard-linter, the ocb collector). `npm test`
 * provisions them first and runs every project; `npm run test:unit` runs only the `unit` project.
 */
const PROVISIONED_SUITES = [
  'test/stack/**/*.test.ts',
  'test/alerting/{amtool,dashboards,promql,promtool}.test.ts',
  'test/metrics/prometheus-rules.test.ts',
  'test/processors/collector-corpus.test.ts',
];

// Suites start real servers (PostgreSQL, Express apps in child processes, the native stack),
// so timeouts are generous and files run with limited parallelism on 2-core machines.
export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: PROVISIONED_SUITES } },
      { extends: true, test: { name: 'provisioned', include: PROVISIONED_SUITES } },
    ],
  },
});
