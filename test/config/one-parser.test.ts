import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../agent/bootstrap/load-config';
import { settingsRegistry } from '../../agent/bootstrap/settings-registry';
import type { Setting } from '../../agent/config';

const dir = mkdtempSync(join(tmpdir(), 'otel-companion-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fileWith = (content: unknown) => {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
};

// Each setting has one parser for env and config-file values, so a value means the same from
// either source (it did not: env lower-cased enums and trimmed URLs, the file did neither).
describe('one parser per setting, for env and config file alike', () => {
  it('normalises enum case and surrounding blanks the same way', () => {
    const fromEnv = loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: ' HTTP/JSON ', OTEL_EXPORTER_OTLP_ENDPOINT: ' http://collector:4318 ' });
    const fromFile = loadConfig({ OTEL_COMPANION_CONFIG_FILE: fileWith({ exporter: { protocol: ' HTTP/JSON ', endpoint: ' http://collector:4318 ' } }) });
    for (const { config, problems } of [fromEnv, fromFile]) {
      expect(problems).toEqual([]);
      expect(config.export.otlpProtocol).toBe('http/json');
      expect(config.export.otlpEndpoint).toBe('http://collector:4318');
    }
  });

  it('accepts lists as a list or as comma-separated text, and numbers as numbers or text', () => {
    const { config, problems } = loadConfig({
      OTEL_COMPANION_CONFIG_FILE: fileWith({
        instrumentations: { enabled: 'http, pg' }, propagators: ['tracecontext'], shutdown: { timeoutMs: '1500' }, sampler: { arg: 0.5 },
        metrics: { httpDurationBuckets: [0.1, 1] }, resourceAttributes: { team: 'pay', tier: 2 },
      }),
    });
    expect(problems).toEqual([]);
    expect(config.agent.enabledInstrumentations).toEqual(['http', 'pg']);
    expect(config.tracing.propagators).toEqual(['tracecontext']);
    expect(config.agent.shutdownTimeoutMs).toBe(1500);
    expect(config.tracing.samplerArg).toBe(0.5);
    expect(config.metrics.httpDurationBuckets).toEqual([0.1, 1]);
    expect(config.agent.resourceAttributes).toEqual({ team: 'pay', tier: '2' });
  });

  it('rejects the same bad values from either source, naming where', () => {
    const env = loadConfig({ OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS: '1.5', OTEL_TRACES_SAMPLER: 'sometimes' });
    const file = fileWith({ shutdown: { timeoutMs: 1.5 }, sampler: { name: 'sometimes' } });
    const fromFile = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file });
    expect(env.problems.map((p) => [p.where, p.reason])).toEqual([
      ['OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS', 'not an integer'],
      ['OTEL_TRACES_SAMPLER', 'not a known value'],
    ]);
    expect(fromFile.problems.map((p) => [p.where, p.reason])).toEqual([
      [`${file}:shutdown.timeoutMs`, 'not an integer'],
      [`${file}:sampler.name`, 'not a known value'],
    ]);
  });

  it('gives every setting of the registry a parser that accepts its own default', () => {
    for (const section of Object.values(settingsRegistry)) {
      for (const s of Object.values(section) as Setting<unknown>[]) {
        if (s.default === undefined || s.default === '') continue;
        expect(s.parse(s.default), s.env ?? s.file).toEqual(s.default);
      }
    }
  });
});
