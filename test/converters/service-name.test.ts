import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemeToOtlp } from '../../converters/scheme-to-otlp';
import { otlpToScheme } from '../../converters/otlp-to-scheme';
import { startBridge, type Bridge } from '../../converters/bridge/server';
import type { ExportTraceServiceRequest } from '../../converters/otlp-types';
import { attrs, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { REPO_ROOT } from '../helpers/run-app';

// Naming the service of converted scheme documents: --service-name, else OTEL_SERVICE_NAME, else
// the document's service.name: tag; --resource key=value for the other attributes.
const CLI = join(REPO_ROOT, 'dist/converters/cli/main.js');
const ID = 'ef95a542-25a3-4f71-a0e9-640c92f43813';

/** Root event optionally tagged; its nested event never is. */
function doc(tags?: string[]) {
  return {
    id: ID, version: 1,
    events: [{
      type: 'request', time: 1_700_000_000_000, duration: 40, ...(tags ? { tags } : {}), payload: { method: 'GET', uri: '/items/1' },
      nested: [{ type: 'query', time: 1_700_000_000_010, duration: 10, payload: { target: 'postgresql', query: 'SELECT 1' } }],
    }],
  };
}

function cli(args: string[], input: object, env: Record<string, string> = {}) {
  const { OTEL_SERVICE_NAME: _ignored, ...base } = process.env;
  const r = spawnSync(process.execPath, [CLI, ...args], { input: JSON.stringify(input), encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function resourceOf(otlpJson: string): Record<string, unknown> {
  const request = JSON.parse(otlpJson) as ExportTraceServiceRequest;
  return attrs(request.resourceSpans![0]!.resource?.attributes);
}

const toOtlp = (input: object, args: string[] = [], env: Record<string, string> = {}) => {
  const r = cli(['convert', '--from', 'scheme', '--to', 'otlp', ...args], input, env);
  expect(r.code, r.stderr).toBe(0);
  return resourceOf(r.stdout);
};

describe('convert --to otlp: the service and resource of the output', () => {
  it('--service-name and repeatable --resource set the resource', () => {
    expect(toOtlp(doc(), ['--service-name', 'shop', '--resource', 'team=checkout', '--resource', 'url=https://x.test/?a=b'])).toEqual({
      'service.name': 'shop', team: 'checkout', url: 'https://x.test/?a=b',
    });
  });

  it('defaults to OTEL_SERVICE_NAME; --service-name, then --resource service.name=, win over it', () => {
    expect(toOtlp(doc(), [], { OTEL_SERVICE_NAME: 'from-env' })['service.name']).toBe('from-env');
    expect(toOtlp(doc(), ['--service-name', 'from-flag'], { OTEL_SERVICE_NAME: 'from-env' })['service.name']).toBe('from-flag');
    expect(toOtlp(doc(), ['--resource', 'service.name=from-resource'], { OTEL_SERVICE_NAME: 'from-env' })['service.name']).toBe('from-resource');
    expect(toOtlp(doc(), ['--service-name', 'from-flag', '--resource', 'service.name=from-resource'])['service.name']).toBe('from-flag');
  });

  it('then takes the document\'s service.name: tag, even when only its root event has it', () => {
    expect(toOtlp(doc(['service.name:from-tag', 'php:app_03']))).toEqual({ 'service.name': 'from-tag' });
    expect(toOtlp(doc(['service.name:from-tag']), [], { OTEL_SERVICE_NAME: 'from-env' })['service.name']).toBe('from-env');
  });

  it('names no service when nothing does (as before)', () => {
    expect(toOtlp(doc())).toEqual({});
  });

  it('loses nothing on the way back to the scheme, whatever the resource', () => {
    for (const [input, resource] of [
      [doc(), { 'service.name': 'shop', team: 'a' }],
      [doc(['service.name:from-tag']), undefined],
      [doc(['service.name:from-tag', 'team:b']), { 'service.name': 'other' }],
    ] as const) {
      const { request, issues } = schemeToOtlp(input as never, { resource });
      expect(issues).toEqual([]);
      expect(otlpToScheme(request).documents).toEqual([input]);
    }
  });

  it.each([
    [['--resource', 'team'], '--resource must be key=value, got "team"'],
    [['--resource', '=checkout'], '--resource needs a key before "=", got "=checkout"'],
    [['--resource', 'team='], '--resource needs a value after "=", got "team="'],
    [['--service-name', ' '], '--service-name must not be empty, got " "'],
  ])('%j: exit 2 naming the flag and the value', (args, message) => {
    const r = cli(['convert', '--from', 'scheme', '--to', 'otlp', ...args], doc());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`otel-companion: ${message}`);
  });

  it('refuses the flags where there is no OTLP output', () => {
    const r = cli(['convert', '--from', 'otlp', '--to', 'scheme', '--service-name', 'shop'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--service-name and --resource go with convert --to otlp');
  });
});

describe('bridge: the service of what POST /v1/scheme forwards', () => {
  let collector: OtlpReceiver;
  let bridge: Bridge;
  beforeAll(async () => {
    collector = await startOtlpReceiver();
    bridge = await startBridge({
      port: 0, host: '127.0.0.1', forwardUrl: collector.url, maxBodyBytes: 1 << 20, maxDocuments: 10, ttlMs: 60_000,
      resource: { 'service.name': 'bridge-shop', team: 'checkout' },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await collector?.close();
  });

  it('forwards the documents under the configured resource', async () => {
    const r = await fetch(`${bridge.url}/v1/scheme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc(['service.name:from-tag'])) });
    expect(r.status).toBe(200);
    await collector.waitFor(() => collector.spans().length >= 2, 5000, 'forwarded spans');
    expect(collector.spans()[0]!.resource).toEqual({ 'service.name': 'bridge-shop', team: 'checkout' });
  });

  it('the CLI refuses a bad --resource before listening', () => {
    const r = cli(['bridge', '--port', '0', '--resource', 'nonsense'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--resource must be key=value, got "nonsense"');
  });
});
