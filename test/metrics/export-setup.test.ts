import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { loadConfig, formatProblem } from '../../agent/bootstrap/load-config';
import { createReaders } from '../../agent/metrics';
import { metricsSetupFor } from '../../agent/bootstrap/start-agent';
import { createOtlpExport } from '../../agent/export';
import { otlpUrl } from '../../agent/runtime/otlp-endpoints';
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
    expect(config.metrics.httpDurationBuckets).toEqual([...DEFAULT_HTTP_DURATION_BUCKETS]);
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
    expect(lines).toContainEqual(expect.stringMatching(/^invalid OTEL_COMPANION_HTTP_DURATION_BUCKETS="0.1,fast" \("fast" is not a number of seconds\)/));
    expect(config.metrics.exporters).toEqual(['otlp']);
    expect(config.metrics.exportIntervalMs).toBe(60000);
    expect(config.metrics.prometheusPort).toBe(9464);
  });
});

describe('bucket settings', () => {
  it('take comma-separated seconds from env and numbers from the config file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-companion-metrics-'));
    const file = path.join(dir, 'otel.yaml');
    fs.writeFileSync(file, 'metrics:\n  dbDurationBuckets: [0.01, 0.1, 1]\n  httpDurationBuckets: [1, 0.5]\n');
    try {
      const { config, problems } = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file, OTEL_COMPANION_HTTP_DURATION_BUCKETS: '0.05, 0.25,1' });
      expect(config.metrics.httpDurationBuckets).toEqual([0.05, 0.25, 1]);
      expect(config.metrics.dbDurationBuckets).toEqual([0.01, 0.1, 1]);
      expect(problems).toEqual([]);
      const fromFile = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file });
      expect(fromFile.problems.map(formatProblem)).toContainEqual(expect.stringContaining(`${file}:metrics.httpDurationBuckets`));
      expect(fromFile.problems.map(formatProblem)).toContainEqual(expect.stringContaining('ascending'));
      expect(fromFile.config.metrics.httpDurationBuckets).toEqual([...DEFAULT_HTTP_DURATION_BUCKETS]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reach the histogram views', async () => {
    const { config } = loadConfig({ OTEL_COMPANION_HTTP_DURATION_BUCKETS: '0.1,1', OTEL_COMPANION_DB_DURATION_BUCKETS: '0.01' });
    const setup = metricsSetupFor(config);
    for (const i of setup.instrumentations) i.disable();
    await Promise.all(setup.readers.map((r) => r.shutdown().catch(() => undefined)));
    const boundaries = (name: string, meter?: string) => {
      const v = setup.views.find((x) => x.instrumentName === name && x.meterName === meter);
      return (v?.aggregation as { options?: { boundaries: number[] } } | undefined)?.options?.boundaries;
    };
    expect(boundaries('http.server.request.duration')).toEqual([0.1, 1]);
    expect(boundaries('http.client.request.duration')).toEqual([0.1, 1]);
    expect(boundaries('db.client.operation.duration', 'otel-companion-pg-metrics')).toEqual([0.01]);
  });
});

describe('readers', () => {
  it('otlp and console push periodically at OTEL_METRIC_EXPORT_INTERVAL', async () => {
    const { config } = loadConfig({ OTEL_METRICS_EXPORTER: 'otlp,console', OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    const readers = createReaders(config.metrics, { createMetricExporter: (max) => createOtlpExport(config.export).metricExporter(max), metricsUrl: otlpUrl(config.export, 'metrics') });
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
    const setup = metricsSetupFor(config);
    expect(setup.readers).toEqual([]);
    expect(setup.instrumentations).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
  });

  it('builds runtime, process and pg metric instrumentations and the views by default', async () => {
    const { config } = loadConfig({});
    const setup = metricsSetupFor(config);
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
    const setup = metricsSetupFor(config);
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
