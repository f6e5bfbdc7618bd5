import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';
import { freePort, getPgUrl } from '../helpers/postgres';
import { eventually } from '../helpers/eventually';
import { latestPoints } from './otlp-metrics';

const APP = 'test/metrics/fixtures/metrics-app.cjs';
const POOL = 'db.client.connection.pool.name';
const STATE = 'db.client.connection.state';

function pgDefaultPoolName(): string {
  const u = new URL(getPgUrl());
  return `${u.hostname}:${u.port}/${u.pathname.slice(1)}`;
}

async function hit(app: RunningApp, path: string): Promise<void> {
  const res = await fetch(app.baseUrl + path);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
}

describe('metrics pushed over OTLP by the preload agent', () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;

  const latest = (name: string, want: Record<string, unknown> = {}) =>
    latestPoints(receiver, name).filter((p) => Object.entries(want).every(([k, v]) => p.attributes[k] === v));
  const one = (name: string, want: Record<string, unknown> = {}) => {
    const found = latest(name, want);
    if (found.length !== 1) throw new Error(`expected one ${name} ${JSON.stringify(want)}, got ${found.length}: ${found.map((p) => JSON.stringify(p.attributes)).join(' | ')}`);
    return found[0]!;
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp(APP, {
      env: {
        TEST_PG_URL: getPgUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'metrics-app',
        OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none',
      },
    });
    await hit(app, '/enroll/math');
    await hit(app, '/enroll/math');
    await hit(app, '/enroll/art');
    await hit(app, '/report');
    await hit(app, '/hold');
    await hit(app, '/message/alice');
    await hit(app, '/message/alice');
    await receiver.waitFor(() => latest('btps.messages.received').some((p) => p.value === 2)
      && latest('db.client.connection.count', { [POOL]: 'audit', [STATE]: 'used' }).some((p) => p.value === 1), 15_000, 'the business and pool points');
  });

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('reports each of three pools under its own name', () => {
    const reports = pgDefaultPoolName();
    expect(one('db.client.connection.max', { [POOL]: 'orders' }).value).toBe(3);
    expect(one('db.client.connection.max', { [POOL]: reports }).value).toBe(2);
    expect(one('db.client.connection.max', { [POOL]: 'audit' }).value).toBe(1);
    // /hold keeps one reports and one audit connection; orders has only idle ones.
    expect(one('db.client.connection.count', { [POOL]: reports, [STATE]: 'used' }).value).toBe(1);
    expect(one('db.client.connection.count', { [POOL]: 'audit', [STATE]: 'used' }).value).toBe(1);
    expect(one('db.client.connection.count', { [POOL]: 'orders', [STATE]: 'used' }).value).toBe(0);
    expect(one('db.client.connection.count', { [POOL]: 'orders', [STATE]: 'idle' }).value).toBe(1);
    expect(one('db.client.connection.pending_requests', { [POOL]: 'orders' }).value).toBe(0);
    // Only the agent's series: the contrib instrumentation's pool-less ones are dropped.
    for (const p of latest('db.client.connection.count')) expect(p.attributes[POOL]).toBeTypeOf('string');
  });

  it('records query durations by operation and pool', () => {
    expect(one('db.client.operation.duration', { [POOL]: 'orders', 'db.operation.name': 'SELECT' }).count).toBe(3);
    expect(one('db.client.operation.duration', { [POOL]: pgDefaultPoolName(), 'db.operation.name': 'SELECT' }).count).toBe(1);
  });

  it('emits the runtime metrics with their units', () => {
    const units: Record<string, string> = {
      'nodejs.eventloop.delay.p50': 's', 'nodejs.eventloop.delay.p99': 's', 'nodejs.eventloop.delay.max': 's',
      'nodejs.eventloop.utilization': '1', 'v8js.gc.duration': 's', 'v8js.memory.heap.used': 'By',
      'v8js.memory.heap.limit': 'By', 'process.memory.usage': 'By', 'process.cpu.time': 's',
    };
    for (const [name, unit] of Object.entries(units)) {
      const points = latest(name);
      expect(points.length, name).toBeGreaterThan(0);
      expect(points[0]!.unit, name).toBe(unit);
    }
    const rss = one('process.memory.usage').value!;
    const heapLimit = one('v8js.memory.heap.limit').value!;
    const heapUsed = latest('v8js.memory.heap.used').reduce((n, p) => n + (p.value ?? 0), 0);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(heapUsed).toBeGreaterThan(1024 * 1024);
    expect(heapLimit).toBeGreaterThan(heapUsed);
    expect(one('process.cpu.time', { 'cpu.mode': 'user' }).value).toBeGreaterThan(0);
    const elu = one('nodejs.eventloop.utilization').value!;
    expect(elu).toBeGreaterThanOrEqual(0);
    expect(elu).toBeLessThanOrEqual(1);
    expect(latest('v8js.gc.duration').reduce((n, p) => n + (p.count ?? 0), 0)).toBeGreaterThan(0);
  });

  it('carries business metrics from counter(), histogram(), gauge() and the OTel tracker', () => {
    expect(one('app.enrollments', { course_type: 'math' }).value).toBe(2);
    expect(one('app.enrollments', { course_type: 'art' }).value).toBe(1);
    expect(one('app.enrollments', { course_type: 'art' }).unit).toBe('{enrollment}');
    const imp = one('app.import.duration');
    expect(imp.count).toBe(3);
    expect(imp.sum).toBeCloseTo(0.75);
    expect(one('app.sessions.active', { tenant: 'acme' }).value).toBe(3);
    expect(one('btps.messages.received', { sender: 'alice' }).value).toBe(2);
    expect(one('btps.delivery.duration').count).toBe(2);
    expect(one('btps.delivery.duration').unit).toBe('s');
    expect(one('btps.errors', { 'error.type': 'RATE_LIMIT' }).value).toBe(2);
  });
});

/** `name{labels} value` lines of a Prometheus text exposition, comments left out. */
function series(text: string): Array<{ name: string; labels: string; value: number }> {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(l)!;
    return { name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) };
  });
}

describe('OTEL_METRICS_EXPORTER=prometheus: scrape endpoint with OTel→Prometheus names', () => {
  let app: RunningApp;
  let port: number;
  let text = '';

  beforeAll(async () => {
    port = await freePort();
    app = await runApp(APP, {
      env: {
        TEST_PG_URL: getPgUrl(), OTEL_SERVICE_NAME: 'metrics-app', OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none',
      },
    });
    await hit(app, '/enroll/math');
    await hit(app, '/report');
    await hit(app, '/hold');
    await hit(app, '/message/bob');
    // Scrape more than once: earlier scrapes must not show up as app traffic in later ones.
    // The event-loop delay gauges appear once the runtime monitor has samples (after its first
    // precision interval), so scrape until they are there, for at most 10 s.
    await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    text = await eventually(() => `nodejs_eventloop_delay_p99_seconds on /metrics:\n${text}`, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      text = await res.text();
      return text.includes('nodejs_eventloop_delay_p99_seconds') && text;
    }, 10_000, 250);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('serves every name of the metric contract (docs/architecture.md)', () => {
    const names = new Set(series(text).map((s) => s.name));
    const expected = [
      'http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_sum', 'http_server_request_duration_seconds_count',
      'db_client_operation_duration_seconds_bucket', 'db_client_connection_count', 'db_client_connection_max',
      'db_client_connection_pending_requests', 'nodejs_eventloop_delay_p50_seconds', 'nodejs_eventloop_delay_p99_seconds',
      'nodejs_eventloop_delay_max_seconds', 'nodejs_eventloop_utilization_ratio', 'v8js_gc_duration_seconds_bucket',
      'v8js_memory_heap_used_bytes', 'v8js_memory_heap_limit_bytes', 'process_memory_usage_bytes', 'process_cpu_time_seconds_total',
      'app_events_total', 'app_enrollments_total', 'app_import_duration_seconds_bucket', 'app_sessions_active',
    ];
    const missing = expected.filter((n) => !names.has(n));
    expect(missing, `missing from /metrics: ${missing.join(', ')}`).toEqual([]);
  });

  it('labels series as the alert rules expect', () => {
    const s = series(text);
    const route = s.find((x) => x.name === 'http_server_request_duration_seconds_count' && x.labels.includes('http_route="/enroll/:courseType"'));
    expect(route?.value).toBe(1);
    expect(route?.labels).toContain('service_name="metrics-app"');
    expect(route?.labels).toContain('http_response_status_code="200"');
    expect(s.find((x) => x.name === 'http_server_request_duration_seconds_bucket' && x.labels.includes('le="0.5"'))).toBeDefined();
    const used = s.find((x) => x.name === 'db_client_connection_count' && x.labels.includes('db_client_connection_pool_name="audit"') && x.labels.includes('db_client_connection_state="used"'));
    expect(used?.value).toBe(1);
    expect(s.find((x) => x.name === 'db_client_operation_duration_seconds_count' && x.labels.includes('db_operation_name="SELECT"') && x.labels.includes('db_client_connection_pool_name="orders"'))?.value).toBe(1);
    expect(s.find((x) => x.name === 'app_events_total' && x.labels.includes('event_name="import-participants-failed"'))?.value).toBe(1);
  });

  it('keeps scrapes out of the HTTP metrics', () => {
    const http = series(text).filter((x) => x.name === 'http_server_request_duration_seconds_count');
    expect(http.reduce((n, x) => n + x.value, 0)).toBe(4);
    expect(text).not.toContain('http_route="/metrics"');
  });

  it('answers 404 outside /metrics', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('keeps the app running when the port is taken, with one clear line', async () => {
    const second = await runApp(APP, {
      env: {
        TEST_PG_URL: getPgUrl(), OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port), OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none',
      },
    });
    try {
      await hit(second, '/enroll/math');
      await eventually(() => `"could not listen" on stderr:\n${second.stderr()}`, () => second.stderr().includes('could not listen'), 5000);
      expect(second.stderr()).toContain(`the Prometheus endpoint could not listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      await second.stop();
    }
  });
});
