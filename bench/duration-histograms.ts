/**
 * Cost of one http.server.request.duration point: the fast pipeline's histogram (cached series,
 * agent/metrics/duration-histogram.ts) vs sdk-metrics' Histogram.record with the agent's views,
 * side by side in one run, alternating rounds. Two workloads: one hot series, and 200 distinct
 * series visited in turn. For sdk-metrics, two variants: the attribute object reused (the record
 * call alone) and built per point (what instrumentation-http does per request).
 *
 *   npm run bench:durations            (builds first; Node 24 runs this file directly)
 *   node bench/duration-histograms.ts --rounds 9 --points 1000000
 *
 * ns per point: medians of process CPU time. Bytes per point: heap growth over a loop with no
 * garbage collection in it (the bench re-runs itself with a 64 MiB young generation and checks
 * with v8.GCProfiler that no collection ran; a run with one is measured again, smaller).
 * CommonJS on purpose (the package is "type": "commonjs"); it loads the built agent from dist/.
 */
const { join } = require('node:path') as typeof import('node:path');
const { cpus, loadavg } = require('node:os') as typeof import('node:os');
const v8 = require('node:v8') as typeof import('node:v8');
const { spawnSync } = require('node:child_process') as typeof import('node:child_process');

const FLAGS = ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'];
if (!FLAGS.every((f) => process.execArgv.includes(f))) {
  const r = spawnSync(process.execPath, [...FLAGS, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const root = join(__dirname, '..');
const { ValueType } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
const { FastDurations } = require(join(root, 'dist/agent/metrics/fast-durations.js')) as typeof import('../agent/metrics/fast-durations');
const { createViews } = require(join(root, 'dist/agent/metrics/views.js')) as typeof import('../agent/metrics/views');
const { DEFAULT_DB_DURATION_BUCKETS, DEFAULT_HTTP_DURATION_BUCKETS } = require(join(root, 'dist/agent/metrics/settings.js')) as typeof import('../agent/metrics/settings');

type Attributes = import('@opentelemetry/api').Attributes;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const ROUNDS = arg('rounds', 7);
const POINTS = arg('points', 1_000_000);
const ALLOC_POINTS = arg('alloc-points', 20_000);

class PullReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

// The agent's setup on each side: its views (bucket boundaries, the unmatched-route processor) for sdk-metrics.
const settings = { httpDurationBuckets: DEFAULT_HTTP_DURATION_BUCKETS, dbDurationBuckets: DEFAULT_DB_DURATION_BUCKETS, httpUnmatchedRoute: '(unmatched)' };
const fast = new FastDurations(settings);
new MeterProvider({ readers: [new PullReader({ metricProducers: [fast.producer()] })] });
const sdkHistogram = new MeterProvider({ readers: [new PullReader()], views: createViews({ ...settings, replacePgMetrics: true }) })
  .getMeter('@opentelemetry/instrumentation-http')
  .createHistogram('http.server.request.duration', { description: 'Duration of HTTP server requests.', unit: 's', valueType: ValueType.DOUBLE });

interface Series {
  method: string;
  route: string;
  status: number;
  attributes: Attributes;
}
function series(method: string, route: string, status: number): Series {
  return {
    method, route, status,
    attributes: { 'http.request.method': method, 'url.scheme': 'http', 'network.protocol.version': '1.1', 'http.route': route, 'http.response.status_code': status },
  };
}
const hot = [series('GET', '/api/participants/:id', 200)];
const many: Series[] = [];
for (let r = 0; r < 50; r++) for (const method of ['GET', 'POST']) for (const status of [200, 500]) many.push(series(method, `/api/resource${r}/:id`, status));

// Durations vary like real ones, so every bucket search runs its full course.
const VALUES = Float64Array.from({ length: 1024 }, (_, i) => ((i * 7919) % 1024) / 256);

type Side = (s: Series, seconds: number) => void;
const SINK = new Float64Array(1);
const sides: Record<string, Side> = {
  // The call alone, as every recorder is called: what a point costs before any recording.
  'call only (baseline)': (s, v) => { SINK[0] += v + s.status; },
  fast: (s, v) => fast.httpServer.record(v, s.method, 'http', s.status, s.route, '1.1', undefined),
  'sdk-metrics, attributes reused': (s, v) => sdkHistogram.record(v, s.attributes),
  'sdk-metrics, attributes built per point': (s, v) => {
    // As instrumentation-http builds them: request attributes, then the response's merged in.
    const a: Attributes = { 'http.request.method': s.method, 'url.scheme': 'http', 'network.protocol.version': '1.1' };
    sdkHistogram.record(v, Object.assign(a, { 'http.route': s.route, 'http.response.status_code': s.status }));
  },
};

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function run(side: Side, set: Series[], n: number): void {
  const m = set.length;
  for (let i = 0; i < n; i++) side(set[i % m]!, VALUES[i & 1023]!);
}

function nsPerPoint(side: Side, set: Series[], n: number): number {
  const started = cpuNs();
  run(side, set, n);
  return (cpuNs() - started) / n;
}

const gc = (globalThis as { gc?: () => void }).gc!;
/** Heap growth per point over a loop without a garbage collection; undefined if one ran every time. */
function bytesPerPoint(side: Side, set: Series[], n: number): number | undefined {
  for (let attempt = 0; attempt < 5; attempt++, n = Math.ceil(n / 2)) {
    gc();
    const profiler = new v8.GCProfiler();
    profiler.start();
    const before = process.memoryUsage().heapUsed;
    run(side, set, n);
    const after = process.memoryUsage().heapUsed;
    const collections = profiler.stop()?.statistics.length ?? 0;
    if (collections === 0) return Math.max(0, after - before) / n;
  }
  return undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const workloads: Array<[string, Series[]]> = [['1 hot series', hot], ['200 series in turn', many]];
const names = Object.keys(sides);
// Warm up: every series exists and every side is optimised before anything is measured.
for (const [, set] of workloads) for (const name of names) run(sides[name]!, set, 200_000);

const times = new Map<string, number[]>();
const bytes = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  // Alternate the order, so that drift (GC, other load) hits every side alike.
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const [workload, set] of workloads) {
    for (const name of order) {
      const key = `${workload}|${name}`;
      (times.get(key) ?? times.set(key, []).get(key)!).push(nsPerPoint(sides[name]!, set, POINTS));
      const b = bytesPerPoint(sides[name]!, set, ALLOC_POINTS);
      if (b !== undefined) (bytes.get(key) ?? bytes.set(key, []).get(key)!).push(b);
    }
  }
}

console.log(`node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)}, ${ROUNDS} alternating rounds x ${POINTS.toLocaleString('en')} points ` +
  `(bytes over ${ALLOC_POINTS.toLocaleString('en')} points without a GC), medians of process CPU time`);
const row = (cells: string[]) => console.log(`| ${cells.join(' | ')} |`);
row(['workload', 'recorder', 'ns/point', 'ns/point over the call', 'bytes/point', 'ns vs fast']);
row(['---', '---', '---:', '---:', '---:', '---:']);
for (const [workload] of workloads) {
  const fastNs = median(times.get(`${workload}|fast`)!);
  const baseline = median(times.get(`${workload}|call only (baseline)`)!);
  for (const name of names) {
    const key = `${workload}|${name}`;
    const ns = median(times.get(key)!);
    const b = bytes.get(key);
    row([workload, name, ns.toFixed(1), (ns - baseline).toFixed(1), b?.length ? median(b).toFixed(1) : 'n/a (GC in every run)', `${(ns / fastNs).toFixed(1)}x`]);
  }
}
