/**
 * The README's first command, `npm ci && npm run demo`, as a new user runs it: no Docker, no
 * system database. `npm test` has built dist/ already; this runs the demo script itself.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/postgres';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';

const root = join(__dirname, '../..');

function runDemo(endpoint: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/demo.mjs'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const STEPS = [
  ['POST', '/participants/import', 201],
  ['GET', '/participants', 200],
  ['POST', '/participants/import', 400],
  ['GET', '/participants/export', 500],
  ['GET', '/participants/report', 200],
  ['GET', '/health', 200],
] as const;

describe('npm run demo', { timeout: 120_000 }, () => {
  describe('without a collector', () => {
    let run: Awaited<ReturnType<typeof runDemo>>;
    beforeAll(async () => {
      run = await runDemo(`http://127.0.0.1:${await freePort()}`);
    }, 120_000);

    it('runs every scenario request, prints an event tree per request and a summary, and exits 0', () => {
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('No collector at');
      const summary = run.stdout.slice(run.stdout.indexOf('Summary'));
      for (const [method, path, status] of STEPS) expect(summary).toMatch(new RegExp(`^${status} +${method} +${path.replace(/\//g, '\\/')} `, 'm'));
      // The dev view's trees (on stderr, beside the agent's notes): the import's queries under its request.
      expect(run.stderr).toMatch(/^request POST \/participants\/import .*\n(├─ .*\n)*├─ query postgresql: INSERT INTO participants/m);
      expect(run.stderr).toMatch(/^request GET \/participants\/report .*\n├─ query postgresql: SELECT pg_sleep/m);
      expect(run.stdout).toContain('App stopped with SIGTERM');
    });
  });

  describe('with a collector', () => {
    let receiver: OtlpReceiver;
    let run: Awaited<ReturnType<typeof runDemo>>;
    beforeAll(async () => {
      receiver = await startOtlpReceiver();
      run = await runDemo(receiver.url);
    }, 120_000);
    afterAll(async () => receiver?.close());

    it('exports each request as a trace with its queries, flushed before the app stops', () => {
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain(`Collector found at ${receiver.url}`);
      const spans = receiver.spans();
      // /health is left out of tracing by design (the sampler drops health checks).
      for (const [method, path, status] of STEPS.filter(([, p]) => p !== '/health')) {
        const server = spans.find((s) => s.kind === 2 && s.attributes['http.request.method'] === method && s.attributes['url.path'] === path && s.attributes['http.response.status_code'] === status);
        expect(server, `${method} ${path} ${status}`).toBeDefined();
        expect(server!.resource['service.name']).toBe('otel-companion-demo');
      }
      const report = spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/participants/report')!;
      expect(spans.filter((s) => s.traceId === report.traceId).map((s) => s.name)).toContain('pg.query:SELECT postgres');
      expect(spans.some((s) => s.attributes['url.path'] === '/health')).toBe(false);
      expect([...new Set(receiver.metricPoints().map((p) => p.name))]).toContain('http.server.request.duration');
    });
  });
});
