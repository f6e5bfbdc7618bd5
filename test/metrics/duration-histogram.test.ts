import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import {
  AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram as HistogramValue, type MetricProducer,
  type ResourceMetrics, type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { FastDurations, HTTP_METRICS_SCOPE } from '../../agent/metrics/fast-durations';
import { DurationHistogram } from '../../agent/metrics/duration-histogram';
import { PG_METRICS_SCOPE } from '../../agent/metrics/pg-metrics';
import { createViews } from '../../agent/metrics/views';
import { DEFAULT_DB_DURATION_BUCKETS, DEFAULT_HTTP_DURATION_BUCKETS } from '../../agent/metrics/settings';
import { AGENT_VERSION } from '../../agent/runtime/version';

// The agent's own duration histograms (fast pipeline) against sdk-metrics: the same points, recorded
// the way today's upstream path records them (instrumentation-http's metric attributes, the agent's
// views, pg-metrics' attributes), must export the same data, through real sdk-metrics readers.

/** A pull reader with a chosen temporality and extra producers. */
class PullReader extends MetricReader {
  constructor(temporality: AggregationTemporality, metricProducers?: MetricProducer[]) {
    super({ aggregationTemporalitySelector: () => temporality, metricProducers });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
  async resourceMetrics(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length) throw new Error(`collection errors: ${errors.map(String).join('; ')}`);
    return resourceMetrics;
  }
}

const RESOURCE = resourceFromAttributes({ 'service.name': 'equivalence', 'service.version': '1.2.3' });
/** instrumentation-http's advice; the agent's view must win over it. */
const UPSTREAM_ADVICE = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Settings {
  httpBuckets: readonly number[];
  dbBuckets: readonly number[];
  unmatchedRoute: string | undefined;
  cardinalityLimit?: number;
  temporality: AggregationTemporality;
}

type ServerOp = { t: 'server'; v: number; method: string; scheme: string; protocol?: string; route?: string; status?: number; error?: string };
type ClientOp = { t: 'client'; v: number; method: string; address: string; port: number; responded: boolean; status?: number; protocol?: string; error?: string };
type DbOp = { t: 'db'; v: number; operation?: string; namespace?: string; host?: string; port?: number; pool?: string; error?: string };
type Op = ServerOp | ClientOp | DbOp | { t: 'tick'; ms: number } | { t: 'collect' };

/** The two pipelines side by side: sdk-metrics instruments with the agent's views, and FastDurations. */
function pipelines(s: Settings) {
  let views: ViewOptions[] = createViews({
    httpDurationBuckets: s.httpBuckets, dbDurationBuckets: s.dbBuckets, httpUnmatchedRoute: s.unmatchedRoute, replacePgMetrics: true,
  });
  if (s.cardinalityLimit !== undefined) views = views.map((v) => ({ ...v, aggregationCardinalityLimit: s.cardinalityLimit }));
  const sdkReader = new PullReader(s.temporality);
  const sdk = new MeterProvider({ resource: RESOURCE, readers: [sdkReader], views });
  const httpMeter = sdk.getMeter(HTTP_METRICS_SCOPE, AGENT_VERSION);
  const server = httpMeter.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests.', unit: 's', valueType: ValueType.DOUBLE, advice: { explicitBucketBoundaries: UPSTREAM_ADVICE },
  });
  const client = httpMeter.createHistogram('http.client.request.duration', {
    description: 'Duration of HTTP client requests.', unit: 's', valueType: ValueType.DOUBLE, advice: { explicitBucketBoundaries: UPSTREAM_ADVICE },
  });
  const db = sdk.getMeter(PG_METRICS_SCOPE, AGENT_VERSION).createHistogram('db.client.operation.duration', {
    description: 'Duration of database client operations.', unit: 's', valueType: ValueType.DOUBLE,
  });

  const fast = new FastDurations({
    httpDurationBuckets: s.httpBuckets, dbDurationBuckets: s.dbBuckets, httpUnmatchedRoute: s.unmatchedRoute, cardinalityLimit: s.cardinalityLimit,
  });
  const fastReader = new PullReader(s.temporality, [fast.producer(s.temporality)]);
  new MeterProvider({ resource: RESOURCE, readers: [fastReader] });
  return { sdkReader, fastReader, fast, sdk: { server, client, db } };
}

// Today's attributes, written out as instrumentation-http and pg-metrics build them.

/** instrumentation-http: request attributes, then the response's (route, status, error.type of a 5xx), or error.type = error.name. */
function upstreamServerAttributes(op: ServerOp): Attributes {
  const a: Attributes = { 'http.request.method': op.method, 'url.scheme': op.scheme };
  if (op.protocol) a['network.protocol.version'] = op.protocol;
  if (op.error !== undefined) {
    a['error.type'] = op.error;
    return a;
  }
  const onResponse: Attributes = {};
  if (op.route !== undefined) onResponse['http.route'] = op.route;
  if (op.status) {
    onResponse['http.response.status_code'] = op.status;
    if (op.status >= 500 && op.status < 600) onResponse['error.type'] ??= String(op.status);
  }
  return Object.assign(a, onResponse);
}

function upstreamClientAttributes(op: ClientOp): Attributes {
  const a: Attributes = { 'http.request.method': op.method, 'server.address': op.address, 'server.port': op.port };
  if (op.responded) {
    const onResponse: Attributes = {};
    if (op.protocol) onResponse['network.protocol.version'] = op.protocol;
    if (op.status) {
      onResponse['http.response.status_code'] = op.status;
      if (op.status >= 400 && op.status < 600) onResponse['error.type'] ??= String(op.status);
    }
    Object.assign(a, onResponse);
  }
  if (op.error !== undefined) a['error.type'] = op.error;
  return a;
}

/** pg-metrics.ts as it recorded through sdk-metrics. */
function upstreamDbAttributes(op: DbOp): Attributes {
  const a: Attributes = { 'db.system.name': 'postgresql' };
  if (op.operation) a['db.operation.name'] = op.operation;
  if (typeof op.namespace === 'string') a['db.namespace'] = op.namespace;
  if (typeof op.host === 'string') a['server.address'] = op.host;
  if (typeof op.port === 'number') a['server.port'] = op.port;
  if (op.pool) a['db.client.connection.pool.name'] = op.pool;
  if (op.error !== undefined) a['error.type'] = op.error;
  return a;
}

function apply(op: Op, p: ReturnType<typeof pipelines>): void {
  switch (op.t) {
    case 'server':
      p.sdk.server.record(op.v, upstreamServerAttributes(op));
      // What the agent's span passes when it ends: on an error, no status and no route, as upstream.
      if (op.error !== undefined) p.fast.httpServer.record(op.v, op.method, op.scheme, undefined, undefined, op.protocol, op.error);
      else p.fast.httpServer.record(op.v, op.method, op.scheme, op.status, op.route, op.protocol, undefined);
      break;
    case 'client':
      p.sdk.client.record(op.v, upstreamClientAttributes(op));
      p.fast.httpClient.record(op.v, op.method, op.address, op.port, op.responded ? op.status : undefined, op.responded ? op.protocol : undefined, op.error);
      break;
    case 'db':
      p.sdk.db.record(op.v, upstreamDbAttributes(op));
      // The values as pg-metrics.ts passes them (an empty operation or pool name is no value).
      p.fast.db.record(op.v, 'postgresql', op.operation || undefined, op.namespace, op.host, op.port, op.pool || undefined, op.error);
      break;
    case 'tick':
      vi.setSystemTime(Date.now() + op.ms);
      break;
    case 'collect':
      break;
  }
}

interface PointShape {
  attributes: [string, unknown][];
  startTime: unknown;
  endTime: unknown;
  value: HistogramValue;
}

/** Everything an exporter reads, with attributes as ordered entries so that their order counts too. */
function shape(rm: ResourceMetrics) {
  return {
    resource: rm.resource.attributes,
    scopes: rm.scopeMetrics.map((s) => ({
      scope: { name: s.scope.name, version: s.scope.version },
      metrics: s.metrics.map((m) => ({
        descriptor: { name: m.descriptor.name, description: m.descriptor.description, unit: m.descriptor.unit, valueType: m.descriptor.valueType, type: (m.descriptor as { type?: string }).type },
        aggregationTemporality: m.aggregationTemporality,
        dataPointType: m.dataPointType,
        points: (m.dataPoints as DataPoint<HistogramValue>[]).map((d): PointShape => ({
          attributes: Object.entries(d.attributes), startTime: d.startTime, endTime: d.endTime, value: d.value,
        })),
      })),
    })),
  };
}

function pointsSorted(s: ReturnType<typeof shape>) {
  for (const scope of s.scopes) for (const m of scope.metrics) m.points.sort((a, b) => (JSON.stringify(a.attributes) < JSON.stringify(b.attributes) ? -1 : 1));
  return s;
}

/** Sums as sdk-metrics adds them may differ in the last bits after several collections (it adds per-interval partial sums). */
function withSumsRounded(s: ReturnType<typeof shape>) {
  for (const scope of s.scopes) for (const m of scope.metrics) for (const p of m.points) p.value = { ...p.value, sum: Number(p.value.sum?.toPrecision(12)) };
  return s;
}

// Generators: few values per label, so that series repeat; values on, near and between the boundaries.
const httpBoundary = fc.constantFrom(...DEFAULT_HTTP_DURATION_BUCKETS);
function durationValue(boundaries: readonly number[], withNaN: boolean) {
  const b = fc.constantFrom(...boundaries);
  const special = withNaN ? fc.constantFrom(0, -0, Infinity, NaN, -1, -Infinity, 1e-12, 1e6) : fc.constantFrom(0, -0, Infinity, -1, -Infinity, 1e-12, 1e6);
  return fc.oneof(
    b,
    b.map((x) => x * (1 + Number.EPSILON)),
    b.map((x) => x * (1 - Number.EPSILON)),
    special,
    fc.double({ min: 0, max: 12, noNaN: true }),
  );
}

function opArb(withNaN: boolean): fc.Arbitrary<Op> {
  const httpValue = durationValue(DEFAULT_HTTP_DURATION_BUCKETS, withNaN);
  const dbValue = durationValue(DEFAULT_DB_DURATION_BUCKETS, withNaN);
  const server = fc.record({
    t: fc.constant('server' as const), v: httpValue, method: fc.constantFrom('GET', 'POST', '_OTHER'), scheme: fc.constantFrom('http', 'https'),
    protocol: fc.constantFrom('1.1', '2', '', undefined), route: fc.constantFrom('/a', '/items/:id', '', undefined),
    status: fc.constantFrom(200, 201, 404, 500, 503, 0, undefined), error: fc.constantFrom(undefined, undefined, undefined, 'Error', 'TypeError'),
  });
  const client = fc.record({
    t: fc.constant('client' as const), v: httpValue, method: fc.constantFrom('GET', 'PUT'), address: fc.constantFrom('api.example.com', '127.0.0.1'),
    port: fc.constantFrom(443, 8080), responded: fc.boolean(), status: fc.constantFrom(200, 404, 502, 0, undefined),
    protocol: fc.constantFrom('1.1', undefined), error: fc.constantFrom(undefined, undefined, 'ECONNRESET', 'TimeoutError'),
  });
  const db = fc.record({
    t: fc.constant('db' as const), v: dbValue, operation: fc.constantFrom('SELECT', 'INSERT', '', undefined), namespace: fc.constantFrom('app', '', undefined),
    host: fc.constantFrom('127.0.0.1', undefined), port: fc.constantFrom(5432, undefined), pool: fc.constantFrom('orders', 'reports', '', undefined),
    error: fc.constantFrom(undefined, undefined, '42P01', 'Error'),
  });
  return fc.oneof(
    { arbitrary: server, weight: 4 },
    { arbitrary: client, weight: 2 },
    { arbitrary: db, weight: 3 },
    { arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 5000 }) }), weight: 1 },
  );
}

const settingsArb = fc.record({
  httpBuckets: fc.oneof(fc.constant([...DEFAULT_HTTP_DURATION_BUCKETS]), fc.uniqueArray(fc.double({ min: 0, max: 20, noNaN: true }), { minLength: 0, maxLength: 6 })),
  dbBuckets: fc.constant([...DEFAULT_DB_DURATION_BUCKETS]),
  unmatchedRoute: fc.constantFrom('(unmatched)', undefined),
});

describe('fast duration histograms export what sdk-metrics exports for the same points', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-01T00:00:00.000Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('cumulative, one collection: the same data and the same OTLP protobuf bytes', async () => {
    await fc.assert(
      fc.asyncProperty(settingsArb, fc.array(opArb(true), { minLength: 1, maxLength: 120 }), async (settings, ops) => {
        const p = pipelines({ ...settings, temporality: AggregationTemporality.CUMULATIVE });
        for (const op of ops) apply(op, p);
        const [expected, actual] = [await p.sdkReader.resourceMetrics(), await p.fastReader.resourceMetrics()];
        expect(shape(actual)).toEqual(shape(expected));
        const bytes = (rm: ResourceMetrics) => Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!).toString('hex');
        expect(bytes(actual)).toBe(bytes(expected));
      }),
      {
        numRuns: 150,
        // Rare in random runs: min of 0 then -0 is -0 (Math.min), and NaN alone makes an empty series.
        examples: [[
          { httpBuckets: [...DEFAULT_HTTP_DURATION_BUCKETS], dbBuckets: [...DEFAULT_DB_DURATION_BUCKETS], unmatchedRoute: '(unmatched)' },
          [
            { t: 'server', v: 0, method: 'GET', scheme: 'http', route: '/a', status: 200 },
            { t: 'server', v: -0, method: 'GET', scheme: 'http', route: '/a', status: 200 },
            { t: 'db', v: NaN, operation: 'SELECT' },
          ],
        ]],
      },
    );
  });

  it('cumulative, collected between points: the same data (sums to 12 digits)', async () => {
    const withCollects = fc.oneof({ arbitrary: opArb(true), weight: 9 }, { arbitrary: fc.constant({ t: 'collect' } as Op), weight: 1 });
    await fc.assert(
      fc.asyncProperty(settingsArb, fc.array(withCollects, { minLength: 1, maxLength: 150 }), async (settings, ops) => {
        const p = pipelines({ ...settings, temporality: AggregationTemporality.CUMULATIVE });
        for (const op of [...ops, { t: 'collect' } as Op]) {
          apply(op, p);
          if (op.t !== 'collect') continue;
          const [expected, actual] = [await p.sdkReader.resourceMetrics(), await p.fastReader.resourceMetrics()];
          expect(withSumsRounded(shape(actual))).toEqual(withSumsRounded(shape(expected)));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('delta: the same interval counts, sums, min, max and start times (where sdk-metrics has one rule)', async () => {
    const withCollects = fc.oneof({ arbitrary: opArb(false), weight: 6 }, { arbitrary: fc.constant({ t: 'collect' } as Op), weight: 1 });
    await fc.assert(
      fc.asyncProperty(settingsArb, fc.array(withCollects, { minLength: 1, maxLength: 150 }), async (settings, ops) => {
        const p = pipelines({ ...settings, temporality: AggregationTemporality.DELTA });
        const reportedAt = new Map<string, number>();
        let collection = 0;
        let previousTime: unknown;
        for (const op of [...ops, { t: 'collect' } as Op]) {
          apply(op, p);
          if (op.t !== 'collect') continue;
          collection++;
          const collectedAt = millisToHrTime(Date.now());
          // Within an interval sdk-metrics orders points by their first point in it, the fast histogram
          // by series creation: the order of points carries no meaning, so both are sorted.
          const expected = pointsSorted(shape(await p.sdkReader.resourceMetrics()));
          const actual = pointsSorted(shape(await p.fastReader.resourceMetrics()));
          // Start times: sdk-metrics starts a series that was idle in the previous interval at its first
          // point of this one; the fast histogram at the previous collection. Elsewhere they agree.
          for (const [si, scope] of actual.scopes.entries()) {
            for (const [mi, metric] of scope.metrics.entries()) {
              for (const [pi, point] of metric.points.entries()) {
                const other = expected.scopes[si]?.metrics[mi]?.points[pi];
                const key = `${metric.descriptor.name} ${JSON.stringify(point.attributes)}`;
                const last = reportedAt.get(key);
                reportedAt.set(key, collection);
                if (other && JSON.stringify(other.attributes) === JSON.stringify(point.attributes) && last !== undefined && last < collection - 1) {
                  expect(point.startTime).toEqual(previousTime);
                  point.startTime = other.startTime;
                }
              }
            }
          }
          expect(actual).toEqual(expected);
          previousTime = collectedAt;
          vi.setSystemTime(Date.now() + 1000);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('overflow: past the limit, further label sets go to one otel.metric.overflow=true series, as in sdk-metrics', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), httpBoundary, fc.constantFrom(200, 500)), { minLength: 1, maxLength: 60 }),
        async (limit, points) => {
          const p = pipelines({
            httpBuckets: DEFAULT_HTTP_DURATION_BUCKETS, dbBuckets: DEFAULT_DB_DURATION_BUCKETS, unmatchedRoute: '(unmatched)',
            cardinalityLimit: limit, temporality: AggregationTemporality.CUMULATIVE,
          });
          for (const [route, v, status] of points) {
            apply({ t: 'server', v, method: 'GET', scheme: 'http', protocol: '1.1', route: `/r${route}`, status }, p);
          }
          const [expected, actual] = [shape(await p.sdkReader.resourceMetrics()), shape(await p.fastReader.resourceMetrics())];
          expect(actual).toEqual(expected);
          const series = actual.scopes[0]!.metrics[0]!.points;
          expect(series.length).toBeLessThanOrEqual(limit);
          const distinct = new Set(points.map(([r, , s]) => `${r} ${s}`)).size;
          if (distinct >= limit) expect(series.at(-1)?.attributes ?? []).toContainEqual(['otel.metric.overflow', true]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the default limit is sdk-metrics\': 1999 labelled series and the overflow series', async () => {
    const p = pipelines({
      httpBuckets: DEFAULT_HTTP_DURATION_BUCKETS, dbBuckets: DEFAULT_DB_DURATION_BUCKETS, unmatchedRoute: '(unmatched)', temporality: AggregationTemporality.CUMULATIVE,
    });
    for (let i = 0; i < 2500; i++) apply({ t: 'server', v: (i % 100) / 100, method: 'GET', scheme: 'http', route: `/r${i}`, status: 200 }, p);
    const [expected, actual] = [shape(await p.sdkReader.resourceMetrics()), shape(await p.fastReader.resourceMetrics())];
    expect(actual).toEqual(expected);
    const points = actual.scopes[0]!.metrics[0]!.points;
    expect(points).toHaveLength(2000);
    expect(points[1999]!.attributes).toEqual([['otel.metric.overflow', true]]);
    expect(points[1999]!.value.count).toBe(501);
  });
});

describe('fast duration histogram on its own', () => {
  const options = (limit?: number) => ({
    name: 'test.duration', description: 'test', unit: 's', boundaries: [0.1, 1], cardinalityLimit: limit,
    attributes: (route: unknown, status: unknown) => ({ route: route as string, status: status as number }),
  });
  const endTime: [number, number] = [1, 0];

  it('stays bounded for the life of the process: after the limit, new label sets never add a series, also after collections', () => {
    const h = new DurationHistogram(options(3));
    const record = (route: string) => h.record(0.5, route, 200, undefined, undefined, undefined, undefined, undefined);
    record('/a');
    record('/b');
    record('/c');
    expect(h.seriesCount).toBe(3);
    h.collect(AggregationTemporality.CUMULATIVE, endTime);
    for (let i = 0; i < 10_000; i++) record(`/new/${i}`);
    expect(h.seriesCount).toBe(3);
    const data = h.collect(AggregationTemporality.CUMULATIVE, endTime)!;
    expect(data.dataPoints.map((d) => d.attributes)).toEqual([{ route: '/a', status: 200 }, { route: '/b', status: 200 }, { 'otel.metric.overflow': true }]);
    expect((data.dataPoints[2]!.value as HistogramValue).count).toBe(10_001);
    // The series that existed before the overflow keep their own points.
    record('/a');
    expect((h.collect(AggregationTemporality.CUMULATIVE, endTime)!.dataPoints[0]!.value as HistogramValue).count).toBe(2);
  });

  it('puts a value equal to a boundary in the bucket that boundary closes', () => {
    const h = new DurationHistogram(options());
    for (const v of [0, 0.1, 0.1000001, 1, 1.5]) h.record(v, '/', 200, undefined, undefined, undefined, undefined, undefined);
    const value = h.collect(AggregationTemporality.CUMULATIVE, endTime)!.dataPoints[0]!.value as HistogramValue;
    expect(value.buckets).toEqual({ boundaries: [0.1, 1], counts: [2, 2, 1] });
    expect([value.count, value.min, value.max]).toEqual([5, 0, 1.5]);
  });

  it('rejects a cardinality limit below 1 with a message naming the histogram', () => {
    expect(() => new DurationHistogram(options(0))).toThrow(/test\.duration: the cardinality limit must be an integer >= 1 \(got 0\)/);
  });

  it('serves one delta reader; a second is refused', () => {
    const fast = new FastDurations({ httpDurationBuckets: [1], dbDurationBuckets: [1] });
    fast.producer(AggregationTemporality.CUMULATIVE);
    fast.producer(AggregationTemporality.CUMULATIVE);
    fast.producer(AggregationTemporality.DELTA);
    expect(() => fast.producer(AggregationTemporality.DELTA)).toThrow(/one delta-temporality reader/);
  });
});
