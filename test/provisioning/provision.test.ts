import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onCI } from '../helpers/ci';
import { REPO_ROOT } from '../helpers/run-app';

// scripts/stack/provision.sh, the one entry point that provisions what the tests need: its policy
// for a missing prerequisite (skip with the command to run on a developer's machine, fail on CI)
// and its idea of "on CI", which must be the tests' own (test/helpers/ci.ts).
const LIB = join(REPO_ROOT, 'scripts/stack/lib.sh');
const PROVISION = join(REPO_ROOT, 'scripts/stack/provision.sh');
const scratch = mkdtempSync(join(tmpdir(), 'otel-companion-provision-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** PATH without any folder that holds a `go` binary: a machine where Go is not installed. */
const pathWithoutGo = (process.env.PATH ?? '').split(delimiter).filter((dir) => !existsSync(join(dir, 'go'))).join(delimiter);

function bash(args: string[], env: NodeJS.ProcessEnv) {
  // STACK_DIR in a scratch folder: nothing the step does can touch the checkout's .stack.
  const run = spawnSync('bash', args, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, STACK_DIR: scratch, ...env } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('provision.sh', () => {
  it.each(['', ' ', '0', 'false', 'FALSE', 'no', 'Off', 'true', 'True', '1', 'yes', 'YES', 'woodpecker'])(
    'agrees with the tests on whether CI=%j is CI', (value) => {
      const shell = bash(['-c', `source ${JSON.stringify(LIB)}; on_ci && echo ci || echo dev`], { CI: value }).output.trim();
      expect(shell).toBe(onCI({ CI: value }) ? 'ci' : 'dev');
    },
  );

  it('without Go on a developer\'s machine: skips the Go builds loudly, with the command to run, and succeeds', () => {
    const { status, output } = bash([PROVISION, 'compose-check'], { PATH: pathWithoutGo, CI: '' });
    expect(status, output).toBe(0);
    expect(output).toMatch(/! \[1\/1\] compose-check .*: SKIPPED: go is not on PATH/);
    expect(output).toMatch(/Run: install Go >= 1\.25/);
    expect(output).toMatch(/NOT PROVISIONED; the suites that need these will be SKIPPED/);
  });

  it.each(['true', '1', 'yes'])('without Go under CI=%s: fails, naming what is missing', (ci) => {
    const { status, output } = bash([PROVISION, 'compose-check'], { PATH: pathWithoutGo, CI: ci });
    expect(status).toBe(1);
    expect(output).toMatch(/ERROR: go is not on PATH.*on CI this is an error/);
    expect(output).toMatch(/✗ \[1\/1\] compose-check .*: FAILED/);
  });

  it('refuses an unknown step, listing the known ones', () => {
    const { status, output } = bash([PROVISION, 'no-such-step'], {});
    expect(status).toBe(1);
    expect(output).toMatch(/unknown step 'no-such-step'; steps: apt collector jaeger compose-check dashboard-linter promtool-v3 thanos victorialogs cassandra fixtures/);
  });
});
