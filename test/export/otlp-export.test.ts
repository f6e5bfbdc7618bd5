import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';

/**
 * The agent's own OTLP/HTTP exporters under a real app: every signal reaches an OTLP receiver in
 * either encoding, compressed or not, on both pipelines (each case names its pipeline, whatever
 * the test run's OTEL_COMPANION_PIPELINE).
 */
const APP = 'test/fixtures/apps/closing-server.cjs';
const DELTA = 1;
const CUMULATIVE = 2;

let app: RunningApp | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await app?.stop('SIGKILL');
  app = undefined;
  await receiver?.close();
  receiver = undefined;
});

async function serve(env: Record<string, string>, paths: string[]): Promise<{ app: RunningApp; receiver: OtlpReceiver }> {
  receiver = await startOtlpReceiver();
  app = await runApp(APP, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_BLRP_SCHEDULE_DELAY: '100', ...env } });
  for (const p of paths) await (await fetch(app.baseUrl + p)).text();
  return { app, receiver };
}

const cases = [
  { pipeline: 'fast', protocol: 'http/protobuf', compression: 'none' },
  { pipeline: 'fast', protocol: 'http/json', compression: 'gzip' },
  { pipeline: 'upstream', protocol: 'http/protobuf', compression: 'gzip' },
  { pipeline: 'upstream', protocol: 'http/json', compression: 'none' },
] as const;

describe('every signal reaches the collector', () => {
  for (const c of cases) {
    it(`${c.pipeline} pipeline, ${c.protocol}, compression ${c.compression}`, async () => {
      const { receiver: r } = await serve({
        OTEL_COMPANION_PIPELINE: c.pipeline, OTEL_EXPORTER_OTLP_PROTOCOL: c.protocol, OTEL_EXPORTER_OTLP_COMPRESSION: c.compression,
      }, ['/one', '/two']);
      await r.waitFor(() => r.spans().some((s) => s.attributes['url.path'] === '/two'), 15_000, 'the span of GET /two');
      await r.waitFor(() => r.logs().filter((l) => l.body === 'request served').length >= 2, 15_000, 'two log records');
      await r.waitFor(() => r.metricPoints().some((p) => p.name === 'app.requests.served' && p.value === 2), 15_000, 'app.requests.served = 2');
      await r.waitFor(() => r.metricPoints().some((p) => p.name === 'http.server.request.duration' && (p.count ?? 0) >= 2), 15_000, 'the request duration histogram');
      const contentType = c.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      for (const signal of ['traces', 'metrics', 'logs'] as const) {
        const headers = r.headers[signal];
        expect(headers.length, signal).toBeGreaterThan(0);
        for (const h of headers) {
          expect(h['content-type'], signal).toBe(contentType);
          expect(h['content-encoding'], signal).toBe(c.compression === 'gzip' ? 'gzip' : undefined);
        }
      }
      const log = r.logs().find((l) => l.body === 'request served')!;
      expect(log.attributes.path).toBe('/one');
      expect(log.traceId, 'log records carry the request\'s trace').toMatch(/^[0-9a-f]{32}$/);
    });
  }
});

describe('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', () => {
  for (const pipeline of ['fast', 'upstream'] as const) {
    it(`delta: counters and histograms are exported as deltas (${pipeline} pipeline)`, async () => {
      const { app: a, receiver: r } = await serve({ OTEL_COMPANION_PIPELINE: pipeline, OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' }, ['/a', '/b', '/c']);
      const total = (name: string, of: (p: { value?: number; count?: number }) => number | undefined) =>
        r.metricPoints().filter((p) => p.name === name).reduce((sum, p) => sum + (of(p) ?? 0), 0);
      await r.waitFor(() => total('app.requests.served', (p) => p.value) === 3, 15_000, 'the first three requests counted');
      await r.waitFor(() => total('http.server.request.duration', (p) => p.count) === 3, 15_000, 'the first three durations');
      // One more request, in a later export: a delta of 1 (a cumulative point would say 4).
      await (await fetch(`${a.baseUrl}/d`)).text();
      await r.waitFor(() => total('app.requests.served', (p) => p.value) === 4, 15_000, 'the fourth request counted');
      await r.waitFor(() => total('http.server.request.duration', (p) => p.count) === 4, 15_000, 'the fourth duration');
      const served = r.metricPoints().filter((p) => p.name === 'app.requests.served');
      const durations = r.metricPoints().filter((p) => p.name === 'http.server.request.duration');
      for (const p of [...served, ...durations]) expect(p.temporality, p.name).toBe(DELTA);
      expect(served.at(-1)?.value).toBe(1);
      expect(Math.max(...durations.map((p) => p.count ?? 0))).toBeLessThan(4);
      expect(a.stderr()).not.toMatch(/invalid|not read/);
    });
  }

  it('cumulative is the default', async () => {
    const { receiver: r } = await serve({}, ['/a']);
    await r.waitFor(() => r.metricPoints().some((p) => p.name === 'app.requests.served'), 15_000, 'app.requests.served');
    await r.waitFor(() => r.metricPoints().some((p) => p.name === 'http.server.request.duration'), 15_000, 'the request duration histogram');
    for (const name of ['app.requests.served', 'http.server.request.duration']) {
      expect(r.metricPoints().filter((p) => p.name === name).every((p) => p.temporality === CUMULATIVE), name).toBe(true);
    }
  });
});

describe('per-signal headers', () => {
  it('each signal sends the general headers plus its own, which win', async () => {
    const { receiver: r } = await serve({
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=shop,x-scope=all',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-scope=metrics,x-dataset=m1',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-scope=logs',
    }, ['/h']);
    await r.waitFor(() => r.headers.traces.length > 0 && r.headers.metrics.length > 0 && r.headers.logs.length > 0, 15_000, 'every signal');
    const seen = (signal: 'traces' | 'metrics' | 'logs') => {
      const h = r.headers[signal][0]!;
      return { tenant: h['x-tenant'], scope: h['x-scope'], dataset: h['x-dataset'] };
    };
    expect(seen('traces')).toEqual({ tenant: 'shop', scope: 'all', dataset: undefined });
    expect(seen('metrics')).toEqual({ tenant: 'shop', scope: 'metrics', dataset: 'm1' });
    expect(seen('logs')).toEqual({ tenant: 'shop', scope: 'logs', dataset: undefined });
  });
});
