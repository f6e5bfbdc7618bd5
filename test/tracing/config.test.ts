import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, formatProblem } from '../../agent/bootstrap/load-config';

function tmpFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-config-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('uses documented defaults with an empty environment', () => {
    const { config, problems } = loadConfig({});
    expect(problems).toEqual([]);
    expect(config.export.otlpEndpoint).toBe('http://localhost:4318');
    expect(config.export.otlpProtocol).toBe('http/protobuf');
    expect(config.tracing.sampler).toBe('parentbased_always_on');
    expect(config.tracing.bspMaxQueueSize).toBe(2048);
    expect(config.agent.shutdownTimeoutMs).toBe(2000);
    expect(config.tracing.expressLayerSpans).toBe(false);
  });

  it('reads standard variables', () => {
    const { config, problems } = loadConfig({
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=pay%20ments',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SDK_DISABLED: 'true',
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg',
    });
    expect(problems).toEqual([]);
    expect(config.agent.serviceName).toBe('checkout');
    expect(config.agent.resourceAttributes).toEqual({ 'deployment.environment.name': 'prod', team: 'pay ments' });
    expect(config.export.otlpHeaders).toEqual({ authorization: 'Bearer abc' });
    expect(config.tracing.samplerArg).toBe(0.25);
    expect(config.agent.sdkDisabled).toBe(true);
    expect(config.agent.disabledInstrumentations).toEqual(['pg']);
  });

  it('reads the config file (YAML), and env wins over it', () => {
    const file = tmpFile('companion.yaml', 'shutdown:\n  timeoutMs: 500\nexpress:\n  layerSpans: true\nexporter:\n  protocol: http/json\n');
    const { config, problems } = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    expect(problems).toEqual([]);
    expect(config.agent.shutdownTimeoutMs).toBe(500);
    expect(config.tracing.expressLayerSpans).toBe(true);
    expect(config.export.otlpProtocol).toBe('http/protobuf');
  });

  it('names the file and key path for a bad value in the file, and keeps the other values', () => {
    const file = tmpFile('companion.json', JSON.stringify({ shutdown: { timeoutMs: 'soon' }, express: { layerSpans: true } }));
    const { config, problems } = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file });
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0])).toBe(
      `invalid ${file}:shutdown.timeoutMs="soon" (not an integer); expected an integer 0..60000; using default 2000`,
    );
    expect(config.agent.shutdownTimeoutMs).toBe(2000);
    expect(config.tracing.expressLayerSpans).toBe(true);
  });

  it('reports the line of a YAML syntax error', () => {
    const file = tmpFile('broken.yaml', 'a: 1\nb: [\nc: 3\n');
    const { problems } = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file });
    expect(problems).toHaveLength(1);
    expect(problems[0].reason).toMatch(/^cannot parse \(line \d\)/);
  });

  it('an invalid env value is not silently replaced by the file value', () => {
    const file = tmpFile('c.yaml', 'shutdown:\n  timeoutMs: 700\n');
    const { config, problems } = loadConfig({ OTEL_COMPANION_CONFIG_FILE: file, OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS: 'x' });
    expect(problems.map((p) => p.where)).toEqual(['OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS']);
    expect(config.agent.shutdownTimeoutMs).toBe(2000);
  });
});
