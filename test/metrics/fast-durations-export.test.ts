import { afterEach, describe, expect, it } from 'vitest';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality, InMemoryMetricExporter, MeterProvider, type DataPoint, type Histogram, type MetricReader, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { loadConfig } from '../../agent/bootstrap/load-config';
import { createMetricsSetup, type MetricsPipeline, type MetricsSetup } from '../../agent/metrics';
import { HTTP_METRICS_SCOPE } from '../../agent/metrics/fast-durations';
import { PG_METRICS_SCOPE } from '../../agent/metrics/pg-metrics';
import { AGENT_VERSION } from '../../agent/runtime/version';
import type { DurationRecorders } from '../../agent/runtime/duration-recorders';
import { freePort } from '../helpers/postgres';

// The fast pipeline's histograms reach the agent's real readers (Prometheus endpoint, OTLP push)
// through createMetricsSetup, and come out as the upstream pipeline's do.

const RESOURCE = resourceFromAttributes({ 'service.name': 'fast-export', 'deployment.environment.name': 'test' });
const started: Array<{ provider: MeterProvider; setup: MetricsSetup }> = [];

afterEach(async () => {
  await Promise.allSettled(started.splice(0).map(({ provider }) => provider.shutdown()));
});

function start(env: Record<string, string>, pipeline: MetricsPipeline, createMetricExporter?: () => InMemoryMetricExporter) {
  const { config, problems } = loadConfig(env);
  expect(problems).toEqual([]);
  const setup = createMetricsSetup(config.metrics, {
    activeInstrumentations: new Set(), metricsUrl: 'http://127.0.0.1:1/v1/metrics', pipeline,
    createMetricExporter: createMetricExporter ?? (() => { throw new Error('no OTLP exporter in this test'); }),
  });
  const provider = new MeterProvider({ resource: RESOURCE, readers: setup.readers, views: setup.views });
  started.push({ provider, setup });
  return { provider, setup };
}

/** The same requests and queries, recorded the way each pipeline records them. */
const SERVER: Array<[number, string, number | undefined, string | undefined]> = [
  [0.004, 'GET', 200, '/items/:id'], [0.005, 'GET', 200, '/items/:id'], [0.3, 'POST', 201, '/items'], [2.5, 'GET', 503, '/items/:id'],
  [0.02, 'GET', 404, undefined], [12, 'GET', 200, '/slow'],
];
const CLIENT: Array<[number, string, number]> = [[0.05, 'GET', 200], [0.7, 'GET', 502]];
const DB: Array<[number, string, string | undefined]> = [[0.0009, 'SELECT', undefined], [0.001, 'SELECT', undefined], [0.2, 'INSERT', '42P01']];

function recordFast(d: DurationRecorders): void {
  for (const [v, method, status, route] of SERVER) d.httpServer.record(v, method, 'http', status, route, '1.1', undefined);
  for (const [v, method, status] of CLIENT) d.httpClient.record(v, method, 'api.example.com', 443, status, '1.1', undefined);
  for (const [v, op, error] of DB) d.db.record(v, 'postgresql', op, 'app', '127.0.0.1', 5432, 'orders', error);
}

/** What instrumentation-http (with the agent's route view) and pg-metrics record for the same. */
function recordUpstream(provider: MeterProvider): void {
  const http = provider.getMeter(HTTP_METRICS_SCOPE, AGENT_VERSION);
  const server = http.createHistogram('http.server.request.duration', { description: 'Duration of HTTP server requests.', unit: 's', valueType: ValueType.DOUBLE });
  const client = http.createHistogram('http.client.request.duration', { description: 'Duration of HTTP client requests.', unit: 's', valueType: ValueType.DOUBLE });
  const db = provider.getMeter(PG_METRICS_SCOPE, AGENT_VERSION).createHistogram('db.client.operation.duration', {
    description: 'Duration of database client operations.', unit: 's', valueType: ValueType.DOUBLE,
  });
  for (const [v, method, status, route] of SERVER) {
    const a: Attributes = { 'http.request.method': method, 'url.scheme': 'http', 'network.protocol.version': '1.1' };
    if (route !== undefined) a['http.route'] = route;
    if (status) a['http.response.status_code'] = status;
    if (status && status >= 500) a['error.type'] = String(status);
    server.record(v, a);
  }
  for (const [v, method, status] of CLIENT) {
    const a: Attributes = { 'http.request.method': method, 'server.address': 'api.example.com', 'server.port': 443, 'network.protocol.version': '1.1', 'http.response.status_code': status };
    if (status >= 400) a['error.type'] = String(status);
    client.record(v, a);
  }
  for (const [v, op, error] of DB) {
    const a: Attributes = {
      'db.system.name': 'postgresql', 'db.operation.name': op, 'db.namespace': 'app', 'server.address': '127.0.0.1', 'server.port': 5432,
      'db.client.connection.pool.name': 'orders',
    };
    if (error) a['error.type'] = error;
    db.record(v, a);
  }
}

async function scrape(port: number): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (res.ok) return await res.text();
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Prometheus endpoint on port ${port} did not answer within 10 s (${(err as Error).message})`, { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('fast pipeline through the agent\'s readers', () => {
  it('serves the same Prometheus text as the upstream pipeline, with the contract names', async () => {
    const [fastPort, upstreamPort] = [await freePort(), await freePort()];
    const env = (port: number) => ({ OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) });
    const fast = start(env(fastPort), 'fast');
    const upstream = start(env(upstreamPort), 'upstream');
    expect(upstream.setup.durations).toBeUndefined();
    recordFast(fast.setup.durations!);
    recordUpstream(upstream.provider);

    const [fastText, upstreamText] = [await scrape(fastPort), await scrape(upstreamPort)];
    expect(fastText).toBe(upstreamText);
    for (const name of ['http_server_request_duration_seconds', 'http_client_request_duration_seconds', 'db_client_operation_duration_seconds']) {
      for (const suffix of ['_bucket{', '_sum{', '_count{']) expect(fastText).toContain(`\n${name}${suffix}`);
    }
    expect(fastText).toMatch(/http_server_request_duration_seconds_count\{[^}]*http_route="\(unmatched\)"[^}]*\} 1\n/);
    expect(fastText).toMatch(/http_server_request_duration_seconds_bucket\{[^}]*http_route="\/items\/:id"[^}]*http_response_status_code="200"[^}]*le="0\.005"\} 2\n/);
    expect(fastText).toMatch(/db_client_operation_duration_seconds_count\{[^}]*db_client_connection_pool_name="orders"[^}]*error_type="42P01"[^}]*\} 1\n/);
    expect(fastText).toContain('service_name="fast-export"');
  });

  it('pushes over OTLP in the exporter\'s temporality (cumulative, or delta when the exporter asks for it)', async () => {
    for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
      const exporter = new InMemoryMetricExporter(temporality);
      const { setup } = start({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '3600000' }, 'fast', () => exporter);
      const reader = setup.readers[0] as MetricReader;
      setup.durations!.httpServer.record(0.2, 'GET', 'https', 200, '/a', '2', undefined);
      await reader.forceFlush();
      setup.durations!.httpServer.record(0.4, 'GET', 'https', 200, '/a', '2', undefined);
      await reader.forceFlush();
      const pushes = exporter.getMetrics();
      expect(pushes).toHaveLength(2);
      const point = (rm: ResourceMetrics) => {
        const scope = rm.scopeMetrics.find((s) => s.scope.name === HTTP_METRICS_SCOPE)!;
        const metric = scope.metrics.find((m) => m.descriptor.name === 'http.server.request.duration')!;
        expect(metric.aggregationTemporality).toBe(temporality);
        return metric.dataPoints[0] as DataPoint<Histogram>;
      };
      const [first, second] = [point(pushes[0]!), point(pushes[1]!)];
      expect(first.attributes).toEqual({
        'http.request.method': 'GET', 'url.scheme': 'https', 'network.protocol.version': '2', 'http.route': '/a', 'http.response.status_code': 200,
      });
      expect(pushes[1]!.resource).toBe(RESOURCE);
      if (temporality === AggregationTemporality.CUMULATIVE) {
        expect([second.value.count, second.value.sum, second.value.min, second.value.max]).toEqual([2, 0.2 + 0.4, 0.2, 0.4]);
        expect(second.startTime).toEqual(first.startTime);
      } else {
        expect([second.value.count, second.value.sum, second.value.min, second.value.max]).toEqual([1, 0.4, 0.4, 0.4]);
        expect(second.startTime).toEqual(first.endTime);
      }
    }
  });

  it('records nothing of its own on the upstream pipeline or without exporters', () => {
    const upstream = start({ OTEL_METRICS_EXPORTER: 'otlp' }, 'upstream', () => new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE));
    expect(upstream.setup.readers).toHaveLength(1);
    expect(upstream.setup.durations).toBeUndefined();
    expect((upstream.setup.readers[0] as unknown as { _metricProducers: unknown[] })._metricProducers).toEqual([]);
    const none = start({ OTEL_METRICS_EXPORTER: 'none' }, 'fast');
    expect(none.setup.durations).toBeUndefined();
    expect(none.setup.readers).toEqual([]);
  });
});
