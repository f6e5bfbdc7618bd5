import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadConfig } from '../../agent/bootstrap/load-config';
import { signalEndpoint } from '../../agent/runtime/otlp-endpoints';
import { notReadExportVariables } from '../../agent/runtime/export-settings';

describe('OTLP export settings', () => {
  it('defaults: no compression, cumulative temporality, the general headers and timeout for every signal', () => {
    const { config, problems } = loadConfig({});
    expect(problems).toEqual([]);
    expect(config.export.otlpCompression).toBe('none');
    expect(config.export.otlpMetricsTemporalityPreference).toBe('cumulative');
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      expect(signalEndpoint(config.export, signal)).toEqual({ url: `http://localhost:4318/v1/${signal}`, headers: {}, timeoutMs: 10000 });
    }
  });

  it('reads compression, temporality (any case), and per-signal headers and timeouts', () => {
    const { config, problems } = loadConfig({
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'LowMemory',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t,x-a=1',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-a=2,x-logs=yes',
      OTEL_EXPORTER_OTLP_TIMEOUT: '4000',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
    });
    expect(problems).toEqual([]);
    expect(config.export.otlpCompression).toBe('gzip');
    expect(config.export.otlpMetricsTemporalityPreference).toBe('lowmemory');
    expect(signalEndpoint(config.export, 'traces')).toEqual({ url: 'https://traces.example/otlp', headers: { authorization: 'Bearer t', 'x-a': '1' }, timeoutMs: 4000 });
    expect(signalEndpoint(config.export, 'metrics')).toEqual({ url: 'http://localhost:4318/v1/metrics', headers: { authorization: 'Bearer t', 'x-a': '1' }, timeoutMs: 2500 });
    expect(signalEndpoint(config.export, 'logs')).toEqual({ url: 'http://localhost:4318/v1/logs', headers: { authorization: 'Bearer t', 'x-a': '2', 'x-logs': 'yes' }, timeoutMs: 4000 });
  });

  it('takes compression and temporality from the config file too', () => {
    const file = join(tmpdir(), `oc-export-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ exporter: { compression: 'GZIP', metricsTemporalityPreference: 'delta' } }));
    try {
      const { config, problems } = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file });
      expect(problems).toEqual([]);
      expect(config.export.otlpCompression).toBe('gzip');
      expect(config.export.otlpMetricsTemporalityPreference).toBe('delta');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('rejects bad values in one line each, naming the variable, the value and what is accepted', () => {
    const { config, problems } = loadConfig({
      OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'sometimes',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '5s',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'no-equals-sign',
    });
    expect(problems.map(formatProblem)).toEqual([
      'invalid OTEL_EXPORTER_OTLP_METRICS_HEADERS="no-equals-sign" ("no-equals-sign" is not key=value); expected comma-separated key=value pairs; using default {}',
      'invalid OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="5s" (not an integer); expected an integer 1..600000; using no value',
      'invalid OTEL_EXPORTER_OTLP_COMPRESSION="brotli" (not a known value); expected one of none, gzip; using default "none"',
      'invalid OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="sometimes" (not a known value); expected one of cumulative, delta, lowmemory; using default "cumulative"',
    ]);
    expect(config.export.otlpCompression).toBe('none');
    expect(config.export.otlpMetricsTemporalityPreference).toBe('cumulative');
    expect(signalEndpoint(config.export, 'traces').timeoutMs).toBe(10000);
  });

  it('says of every standard exporter variable it does not read that it is set, and what to use instead, without its value', () => {
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/otel/ca.pem',
      OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY: '/etc/otel/secret-key.pem',
      OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE: ' ',
    };
    const lines = loadConfig(env).problems.map(formatProblem);
    expect(lines).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL is set but not read by otel-companion; use OTEL_EXPORTER_OTLP_PROTOCOL (one encoding for every signal)',
      'OTEL_EXPORTER_OTLP_LOGS_COMPRESSION is set but not read by otel-companion; use OTEL_EXPORTER_OTLP_COMPRESSION (one setting for every signal)',
      'OTEL_EXPORTER_OTLP_CERTIFICATE is set but not read by otel-companion; use NODE_EXTRA_CA_CERTS=<file> to trust the collector\'s certificate authority',
      'OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY is set but not read by otel-companion; use a collector on the same host or network that holds the client certificate (client certificates are not supported)',
    ]);
    expect(lines.join('\n')).not.toContain('secret-key');
  });

  it('lists every per-signal protocol, compression and certificate variable of the specification', () => {
    const names = new Set(notReadExportVariables.map((v) => v.env));
    for (const signal of ['', 'TRACES_', 'METRICS_', 'LOGS_']) {
      for (const what of ['CERTIFICATE', 'CLIENT_KEY', 'CLIENT_CERTIFICATE']) expect(names.has(`OTEL_EXPORTER_OTLP_${signal}${what}`)).toBe(true);
      if (signal) for (const what of ['PROTOCOL', 'COMPRESSION']) expect(names.has(`OTEL_EXPORTER_OTLP_${signal}${what}`)).toBe(true);
    }
    expect(names.size).toBe(12 + 6);
  });
});
