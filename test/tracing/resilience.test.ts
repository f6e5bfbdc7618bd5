import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';
import { freePort } from '../helpers/postgres';
import { eventually } from '../helpers/eventually';

const HELLO = 'test/fixtures/apps/hello-app.cjs';
const SERVER = 2;

let app: RunningApp | undefined;
let receiver: OtlpReceiver | undefined;
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  await app?.stop('SIGKILL');
  app = undefined;
  await receiver?.close();
  receiver = undefined;
  for (const c of cleanups.splice(0)) await c();
});

async function hit(path: string): Promise<number> {
  const res = await fetch(app!.baseUrl + path);
  await res.text();
  return res.status;
}

/** A "collector" that accepts connections and never answers. */
async function blackHole(): Promise<string> {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer(() => {});
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('bad configuration', () => {
  it('prints one line per bad value naming variable, value and what is accepted, then runs on defaults', async () => {
    receiver = await startOtlpReceiver();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-cfg-'));
    const badYaml = path.join(dir, 'companion.yaml');
    fs.writeFileSync(badYaml, 'shutdown:\n  timeoutMs: [unclosed\n');
    app = await runApp(HELLO, {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS: '-5',
        OTEL_EXPORTER_OTLP_HEADERS: 'broken-header',
        OTEL_COMPANION_EXPRESS_LAYER_SPAN: 'true',
        OTEL_COMPANION_CONFIG_FILE: badYaml,
        OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli',
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'sometimes',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      },
    });
    expect(await hit('/still-works')).toBe(200);
    const lines = app.stderr().split('\n').filter((l) => l.includes('invalid'));
    const expectations: Array<[string, RegExp]> = [
      ['OTEL_BSP_MAX_QUEUE_SIZE="lots"', /expected an integer >= 1; using default 2048/],
      ['OTEL_TRACES_SAMPLER="sometimes"', /expected one of always_on, .*parentbased_traceidratio; using default "parentbased_always_on"/],
      ['OTEL_TRACES_SAMPLER_ARG="1.5"', /expected a number from 0 to 1/],
      ['OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS="-5"', /expected an integer 0\.\.60000; using default 2000/],
      ['OTEL_EXPORTER_OTLP_HEADERS="broken-header"', /is not key=value/],
      ['OTEL_COMPANION_EXPRESS_LAYER_SPAN="true"', /unknown variable/],
      ['OTEL_COMPANION_CONFIG_FILE=', /cannot parse \(line \d+\)/],
      ['OTEL_EXPORTER_OTLP_COMPRESSION="brotli"', /expected one of none, gzip; using default "none"/],
      ['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="sometimes"', /expected one of cumulative, delta, lowmemory; using default "cumulative"/],
    ];
    for (const [what, why] of expectations) {
      const line = lines.find((l) => l.includes(what));
      expect(line, `a line about ${what} in:\n${app.stderr()}`).toBeDefined();
      expect(line).toMatch(why);
    }
    // Each problem is said once.
    expect(lines.filter((l) => l.includes('OTEL_BSP_MAX_QUEUE_SIZE'))).toHaveLength(1);
    // A standard variable the agent does not read is said too, never silently ignored.
    expect(app.stderr().split('\n')).toContain('otel-companion: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL is set but not read by otel-companion; use OTEL_EXPORTER_OTLP_PROTOCOL (one encoding for every signal)');
    // Defaults took over: spans still flow.
    await receiver.waitFor(() => receiver!.spans().some((s) => s.attributes['url.path'] === '/still-works'), 10_000, 'span');
  });

  it('never stops the app from starting, even when the whole environment is nonsense', async () => {
    app = await runApp(HELLO, {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://nowhere',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon',
        OTEL_RESOURCE_ATTRIBUTES: '%%%=%E0%A4%A',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,does-not-exist',
        OTEL_PROPAGATORS: 'smoke-signals',
        OTEL_LOG_LEVEL: 'loud',
        OTEL_COMPANION_CONFIG_FILE: '/definitely/not/here.yaml',
      },
    });
    expect(await hit('/ok')).toBe(200);
    expect(app.stderr()).toMatch(/invalid OTEL_EXPORTER_OTLP_ENDPOINT="ftp:\/\/nowhere"/);
    expect(app.stderr()).toMatch(/invalid OTEL_COMPANION_CONFIG_FILE="\/definitely\/not\/here.yaml" \(cannot read: ENOENT\)/);
    expect(app.stderr()).toMatch(/instrumentation "does-not-exist" could not be loaded/);
    expect(app.stderr()).not.toMatch(/\n\s+at /); // no stack traces thrown at the user
  });
});

describe('collector down or slow', () => {
  it('keeps serving, warns once, and exits within the shutdown bound when the collector is down', async () => {
    const closedPort = await freePort();
    // A short export timeout so the exporter's own retries give up within the test.
    app = await runApp(HELLO, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
    });
    for (let i = 0; i < 50; i++) expect(await hit(`/r${i}`)).toBe(200);
    await eventually(() => `the "is failing" line on stderr:\n${app!.stderr()}`, () => /spans export .* is failing/.test(app!.stderr()));
    for (let i = 0; i < 20; i++) expect(await hit(`/s${i}`)).toBe(200);
    const exit = await app.stop('SIGTERM');
    expect(exit.signal).toBe('SIGTERM'); // no handler of its own: Node's default outcome is kept
    expect(exit.elapsedMs).toBeLessThan(2000 + 1500);
    const err = app.stderr();
    expect(err.match(/spans export to .* is failing/g) ?? []).toHaveLength(1);
    expect(err).toMatch(/ECONNREFUSED|retries exhausted|Export failed/i);
    expect(err).not.toMatch(/Unhandled|unhandledRejection|\n\s+at /);
  });

  it('keeps latency and the shutdown bound when the collector accepts but never answers', async () => {
    const hole = await blackHole();
    app = await runApp(HELLO, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: hole, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS: '1000' },
    });
    const t = performance.now();
    for (let i = 0; i < 30; i++) expect(await hit(`/q${i}`)).toBe(200);
    expect(performance.now() - t).toBeLessThan(10_000); // requests are not held up by exports
    const exit = await app.stop('SIGTERM');
    expect(exit.elapsedMs).toBeLessThan(1000 + 1500);
  });

  it('bounds the queue: a burst beyond OTEL_BSP_MAX_QUEUE_SIZE drops spans instead of growing memory', async () => {
    const hole = await blackHole();
    app = await runApp(HELLO, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: hole, OTEL_BSP_MAX_QUEUE_SIZE: '64', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '16' } });
    await Promise.all(Array.from({ length: 400 }, (_, i) => hit(`/b${i}`)));
    expect(await hit('/after-burst')).toBe(200);
    await app.stop('SIGTERM');
  });

  it('says once when exporting fails and once when it recovers', async () => {
    receiver = await startOtlpReceiver();
    receiver.failWith(503);
    app = await runApp(HELLO, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '500' } });
    for (let i = 0; i < 5; i++) await hit(`/down${i}`);
    await eventually(() => `the "is failing" line on stderr:\n${app!.stderr()}`, () => /is failing/.test(app!.stderr()));
    receiver.failWith(undefined);
    await hit('/up');
    await receiver.waitFor(() => receiver!.spans().some((s) => s.attributes['url.path'] === '/up'), 10_000, 'span after recovery');
    await eventually(() => `the "recovered" line on stderr:\n${app!.stderr()}`, () => /recovered/.test(app!.stderr()), 5_000);
    const err = app.stderr();
    expect(err.match(/spans export .* is failing/g) ?? []).toHaveLength(1);
    expect(err.match(/spans export .* recovered after [\d.]+ s; [\d,]+ spans were dropped/g) ?? []).toHaveLength(1);
  });
});

/** The child's own clock: `<label> <ms>` printed by the fixture. */
function printedAt(out: string, label: string): number {
  const at = Number(out.match(new RegExp(`${label} (\\d+)`))?.[1]);
  if (!Number.isFinite(at)) throw new Error(`no "${label} <ms>" line in the app's stdout:\n${out}`);
  return at;
}

/**
 * How long the agent may keep a process alive once the app's own work is done: the shutdown bound,
 * plus a margin for a loaded machine (the flush starts at beforeExit and abort() ends it at the
 * bound). Measured by the app's own clock, so a slow start-up of Node under load does not count.
 */
const BOUND_MS = 1000;
const MARGIN_MS = 1500;

describe('a process that ends by itself, collector down or black-holing: the agent never keeps it alive past the shutdown bound', () => {
  for (const collector of ['down', 'black hole'] as const) {
    it(`a short job (collector ${collector}) exits by itself within the bound, keeping its exit code`, async () => {
      const endpoint = collector === 'down' ? `http://127.0.0.1:${await freePort()}` : await blackHole();
      app = await runApp('test/fixtures/apps/short-job.cjs', {
        waitForListening: false,
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS), JOB_EXIT_CODE: '3' },
      });
      const exit = await app.exited;
      expect(exit.code).toBe(3);
      expect(exit.signal).toBeNull();
      const lived = printedAt(app.stdout(), 'EXIT') - printedAt(app.stdout(), 'JOB DONE');
      expect(lived, app.stderr()).toBeLessThan(BOUND_MS + MARGIN_MS);
      expect(app.stderr()).not.toMatch(/Unhandled|\n\s+at /);
    });

    it(`a server app (collector ${collector}) exits within the bound once it closes its server, as it would without the agent`, async () => {
      const endpoint = collector === 'down' ? `http://127.0.0.1:${await freePort()}` : await blackHole();
      app = await runApp('test/fixtures/apps/closing-server.cjs', {
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS), APP_EXIT_CODE: '4',
          // Exports of every signal are retrying or waiting when the server closes: each lasts up to
          // 5 s, longer than the bound and the margin, and the next one starts right after.
          OTEL_EXPORTER_OTLP_TIMEOUT: '5000', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BLRP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '200',
        },
      });
      for (let i = 0; i < 20; i++) expect(await hit(`/work${i}`)).toBe(200);
      await eventually(() => `every signal's "is failing" line:\n${app!.stderr()}`,
        () => ['spans', 'metric points', 'log records'].every((what) => new RegExp(`${what} export .* is failing`).test(app!.stderr())), 20_000);
      for (let i = 0; i < 5; i++) expect(await hit(`/more${i}`)).toBe(200);
      expect(await hit('/close')).toBe(200);
      const exit = await app.exited;
      expect(exit.code).toBe(4);
      const lived = printedAt(app.stdout(), 'EXITING') - printedAt(app.stdout(), 'CLOSED');
      expect(lived, app.stderr()).toBeLessThan(BOUND_MS + MARGIN_MS);
    });
  }
});

describe('shutdown flush', () => {
  it('SIGTERM flushes every ended span, and the process still ends by SIGTERM', async () => {
    receiver = await startOtlpReceiver();
    // A long schedule delay: nothing is exported before the signal.
    app = await runApp(HELLO, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000' } });
    const n = 25;
    for (let i = 0; i < n; i++) await hit(`/flush${i}`);
    expect(receiver.spans()).toHaveLength(0);
    const exit = await app.stop('SIGTERM');
    expect(exit.signal).toBe('SIGTERM');
    const paths = new Set(receiver.spans().filter((s) => s.kind === SERVER).map((s) => s.attributes['url.path']));
    for (let i = 0; i < n; i++) expect(paths.has(`/flush${i}`)).toBe(true);
  });

  it('leaves exiting to the app when it has its own SIGTERM handler, and still flushes', async () => {
    receiver = await startOtlpReceiver();
    app = await runApp(HELLO, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000', APP_OWN_SIGTERM: '1' } });
    for (let i = 0; i < 5; i++) await hit(`/own${i}`);
    // The app exits as soon as its server closes; the flush must have been started before.
    const exit = await app.stop('SIGTERM');
    expect(app.stdout()).toContain('APP SIGTERM HANDLER');
    expect(exit.code).toBe(0);
    expect(exit.signal).toBeNull();
  });

  it('flushes on a natural exit (beforeExit)', async () => {
    receiver = await startOtlpReceiver();
    app = await runApp('test/fixtures/apps/natural-exit.cjs', { waitForListening: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000' } });
    const exit = await app.exited;
    expect(exit.code).toBe(0);
    expect(receiver.spans().map((s) => s.name)).toContain('natural-exit-work');
  });
});
