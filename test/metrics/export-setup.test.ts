import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { loadConfig, formatProblem } from '../../agent/config';
import { createMetricsSetup, createReaders } from '../../agent/metrics';
import { prometheusUnitSuffix, withUnitSuffix } from '../../agent/metrics/prometheus';
import { DEFAULT_HTTP_DURATION_BUCKETS } from '../../agent/metrics/settings';

afterEach(() => vi.restoreAllMocks());

describe('metrics settings', () => {
  it('reads the standard variables', () => {
    const { config, problems } = loadConfig({
      OTEL_METRICS_EXPORTER: 'prometheus', OTEL_METRIC_EXPORT_INTERVAL: '15000',
      OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', OTEL_EXPORTER_PROMETHEUS_PORT: '9465',
    });
    expect(problems).toEqual([]);
    expect(config.metrics.exporters).toEqual(['prometheus']);
    expect(config.metrics.exportIntervalMs).toBe(15000);
    expect(config.metrics.prometheusHost).toBe('0.0.0.0');
    expect(config.metrics.prometheusPort).toBe(9465);
  });

  it('has documented defaults: OTLP push every 60 s, Prometheus on localhost:9464', () => {
    const { config } = loadConfig({});
    expect(config.metrics.exporters).toEqual(['otlp']);
    expect(config.metrics.exportIntervalMs).toBe(60000);
    expect(config.metrics.prometheusHost).toBe('localhost');
    expect(config.metrics.prometheusPort).toBe(9464);
    expect(config.metrics.httpDurationBuckets.map(Number)).toEqual([...DEFAULT_HTTP_DURATION_BUCKETS]);
  });

  it('rejects bad values with one line naming variable, value and what is accepted, then uses the default', () => {
    const { config, problems } = loadConfig({
      OTEL_METRICS_EXPORTER: 'statsd', OTEL_METRIC_EXPORT_INTERVAL: '10s', OTEL_EXPORTER_PROMETHEUS_PORT: '70000',
      OTEL_COMPANION_HTTP_DURATION_BUCKETS: '0.1,fast',
    });
    const lines = problems.map(formatProblem);
    expect(lines).toContainEqual(expect.stringMatching(/^invalid OTEL_METRICS_EXPORTER="statsd" .*otlp, prometheus, console or none.*using default \["otlp"\]/));
    expect(lines).toContainEqual(expect.stringMatching(/^invalid OTEL_METRIC_EXPORT_INTERVAL="10s" \(not an integer\).*using default 60000/));
    expect(lines).toContainEqual(expect.stringMatching(/^invalid OTEL_EXPORTER_PROMETHEUS_PORT="70000"/));
    expect(lines).toContainEqual(expect.stringMatching(/^invalid OTEL_COMPANION_HTTP_DURATION_BUCKETS="0.1,fast"/));
    expect(config.metrics.exporters).toEqual(['otlp']);
    expect(config.metrics.exportIntervalMs).toBe(60000);
    expect(config.metrics.prometheusPort).toBe(9464);
  });
});

describe('readers', () => {
  it('otlp and console push periodically at OTEL_METRIC_EXPORT_INTERVAL', async () => {
    const { config } = loadConfig({ OTEL_METRICS_EXPORTER: 'otlp,console', OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    const readers = createReaders(config);
    expect(readers).toHaveLength(2);
    for (const r of readers) {
      expect(r).toBeInstanceOf(PeriodicExportingMetricReader);
      expect((r as unknown as { _exportInterval: number })._exportInterval).toBe(5000);
      await r.shutdown().catch(() => undefined);
    }
  });

  it('none exports nothing and builds no metric instrumentations', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { config } = loadConfig({ OTEL_METRICS_EXPORTER: 'none' });
    const setup = createMetricsSetup(config);
    expect(setup.readers).toEqual([]);
    expect(setup.instrumentations).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
  });

  it('builds runtime, process and pg metric instrumentations and the views by default', async () => {
    const { config } = loadConfig({});
    const setup = createMetricsSetup(config);
    expect(setup.instrumentations.map((i) => i.instrumentationName)).toEqual([
      '@opentelemetry/instrumentation-runtime-node', 'otel-companion-process-metrics', 'otel-companion-pg-metrics',
    ]);
    for (const i of setup.instrumentations) i.disable();
    const names = setup.views.map((v) => `${v.meterName ?? '*'}/${v.instrumentName}`);
    expect(names).toContain('*/http.server.request.duration');
    expect(names).toContain('@opentelemetry/instrumentation-pg/db.client.connection.count');
    await Promise.all(setup.readers.map((r) => r.shutdown().catch(() => undefined)));
  });

  it('leaves pg alone when the pg instrumentation is disabled', async () => {
    const { config } = loadConfig({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg,runtime-node' });
    const setup = createMetricsSetup(config);
    expect(setup.instrumentations).toEqual([]);
    expect(setup.views.some((v) => v.meterName === '@opentelemetry/instrumentation-pg')).toBe(false);
    await Promise.all(setup.readers.map((r) => r.shutdown().catch(() => undefined)));
  });
});

describe('OTel → Prometheus names', () => {
  const metric = (name: string, unit: string, gauge = false) =>
    ({ descriptor: { name, unit }, dataPointType: gauge ? 2 : 0 }) as unknown as MetricData;

  it('adds the unit suffix the way the collector does', () => {
    expect(prometheusUnitSuffix('s', false)).toBe('seconds');
    expect(prometheusUnitSuffix('By', false)).toBe('bytes');
    expect(prometheusUnitSuffix('ms', false)).toBe('milliseconds');
    expect(prometheusUnitSuffix('By/s', false)).toBe('bytes_per_second');
    expect(prometheusUnitSuffix('{connection}', false)).toBe('');
    expect(prometheusUnitSuffix('1', true)).toBe('ratio');
    expect(prometheusUnitSuffix('1', false)).toBe('');
    expect(prometheusUnitSuffix(undefined, false)).toBe('');
  });

  it('does not repeat a suffix the name already has', () => {
    expect(withUnitSuffix(metric('http.server.request.duration', 's'))).toBe('http.server.request.duration_seconds');
    expect(withUnitSuffix(metric('app.payload_bytes', 'By'))).toBe('app.payload_bytes');
    expect(withUnitSuffix(metric('nodejs.eventloop.utilization', '1', true))).toBe('nodejs.eventloop.utilization_ratio');
    expect(withUnitSuffix(metric('db.client.connection.count', '{connection}'))).toBe('db.client.connection.count');
  });
});
