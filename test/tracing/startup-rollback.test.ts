/**
 * The agent builds everything first and installs its globals, patches and hooks last, in one step.
 * When the last step fails, what was installed is taken back: the app runs untraced (never
 * half-instrumented), and one line on stderr says why.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runApp, type RunningApp } from '../helpers/run-app';

const APP = 'test/fixtures/apps/state-app.cjs';
const SABOTAGE = join(REPO_ROOT, 'test/fixtures/apps/sabotage-signal-hooks.cjs');
// No collector is needed: the app must not depend on one either way.
const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none' };

let app: RunningApp | undefined;
afterEach(async () => {
  await app?.stop('SIGKILL');
  app = undefined;
});

async function state(a: RunningApp): Promise<{ recording: boolean; httpPatched: boolean }> {
  const res = await fetch(`${a.baseUrl}/state`);
  expect(res.status).toBe(200);
  return (await res.json()) as { recording: boolean; httpPatched: boolean };
}

describe('start-up that fails at its last step', () => {
  it('control: with a normal start-up the same app is traced and http is patched', async () => {
    app = await runApp(APP, { env });
    expect(await state(app)).toEqual({ recording: true, httpPatched: true });
    expect(app.stderr()).toBe('');
  });

  it('leaves the app running untraced, with every patch taken back, and says so in one line', async () => {
    app = await runApp(APP, { env: { ...env, NODE_OPTIONS: `--require ${SABOTAGE}` } });
    expect(await state(app)).toEqual({ recording: false, httpPatched: false });
    expect(await state(app)).toEqual({ recording: false, httpPatched: false });
    const lines = app.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^otel-companion: otel-companion could not start \(sabotaged: process.on\(SIGTERM\) failed\); the app runs without telemetry$/);
  });
});
