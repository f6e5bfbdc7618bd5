/**
 * Scheme documents into a real backend under the service the user names: converted by the CLI
 * (`convert --to otlp`) or forwarded by the bridge (POST /v1/scheme), sent to the real collector,
 * found in Jaeger under that service. Native stack in test mode, real binaries.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, REPO_ROOT } from '../helpers/run-app';
import { canRunStack, stackBinaries as binaries, eventually } from './stack-binaries';
import { makeTestRunDir, removeRunDir, start, type RunningStack } from '../../scripts/stack/native.mjs';

const CLI = join(REPO_ROOT, 'dist/converters/cli/main.js');

/** A one-request document of now, its root event optionally tagged. */
function schemeDocument(tags?: string[]) {
  const now = Date.now();
  return {
    id: randomUUID(), version: 1,
    events: [{
      type: 'request', time: now - 50, duration: 40, ...(tags ? { tags } : {}), payload: { method: 'GET', uri: '/scheme/checkout' },
      nested: [{ type: 'query', time: now - 40, duration: 10, payload: { target: 'postgresql', query: 'SELECT 1' } }],
    }],
  };
}

/** The CLI as a user runs it, without the test runner's OTEL_SERVICE_NAME unless given. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { OTEL_SERVICE_NAME: _ignored, ...env } = process.env;
  return { ...env, ...extra };
}

function convert(doc: object, args: string[], env = cliEnv()): string {
  const r = spawnSync(NODE, [CLI, 'convert', '--from', 'scheme', '--to', 'otlp', ...args], { input: JSON.stringify(doc), encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`convert exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe.runIf(canRunStack)('scheme documents in Jaeger under the named service (real collector and Jaeger)', { timeout: 180_000 }, () => {
  let stack: RunningStack;
  let runDir: string;
  let bridge: ChildProcess | undefined;
  const startedAt = Date.now();

  beforeAll(async () => {
    for (const b of binaries) b.require();
    runDir = makeTestRunDir();
    stack = await start({ ports: 'free', jaegerStorage: 'memory', runDir });
  }, 180_000);

  afterAll(async () => {
    bridge?.kill('SIGTERM');
    await stack?.stop();
    if (runDir) removeRunDir(runDir);
  }, 60_000);

  async function postToCollector(otlpJson: string): Promise<void> {
    const res = await fetch(`${stack.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJson });
    expect(res.status, await res.text()).toBe(200);
  }

  /** The trace of `traceId` as Jaeger serves it for `service`: its span names and resource. */
  async function inJaeger(service: string, uuid: string): Promise<{ spans: string[]; resource: Record<string, unknown> }> {
    const traceId = uuid.replaceAll('-', '');
    return eventually(`trace ${traceId} in Jaeger under service "${service}"`, async () => {
      const q = new URLSearchParams({
        'query.service_name': service,
        'query.start_time_min': new Date(startedAt - 60_000).toISOString(),
        'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
        'query.num_traces': '100',
      });
      const res = await fetch(`${stack.urls.jaeger}/api/v3/traces?${q}`);
      if (!res.ok) return undefined;
      const body = (await res.json()) as { result?: { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: Record<string, unknown> }> }; scopeSpans?: Array<{ spans?: Array<{ traceId: string; name: string }> }> }> } };
      for (const rs of body.result?.resourceSpans ?? []) {
        const spans = (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []).filter((s) => s.traceId === traceId).map((s) => s.name);
        if (spans.length === 0) continue;
        const resource = Object.fromEntries((rs.resource?.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]));
        return { spans, resource };
      }
      return undefined;
    }, 60_000, 500);
  }

  it('convert --service-name and --resource: the spans are under that service, with those attributes', async () => {
    const doc = schemeDocument();
    await postToCollector(convert(doc, ['--service-name', 'scheme-cli-flag', '--resource', 'scheme.source=cli', '--resource', 'team=checkout']));
    const trace = await inJaeger('scheme-cli-flag', doc.id);
    expect(trace.spans.length).toBe(2);
    expect(trace.resource).toMatchObject({ 'service.name': 'scheme-cli-flag', 'scheme.source': 'cli', team: 'checkout' });
  });

  it('convert without --service-name takes OTEL_SERVICE_NAME', async () => {
    const doc = schemeDocument(['service.name:from-the-tag']);
    await postToCollector(convert(doc, [], cliEnv({ OTEL_SERVICE_NAME: 'scheme-cli-env' })));
    expect((await inJaeger('scheme-cli-env', doc.id)).spans.length).toBe(2);
  });

  it('convert with neither takes the document\'s service.name: tag', async () => {
    const doc = schemeDocument(['service.name:scheme-cli-tag', 'php:app_03']);
    await postToCollector(convert(doc, []));
    expect((await inJaeger('scheme-cli-tag', doc.id)).resource['service.name']).toBe('scheme-cli-tag');
  });

  it('bridge --service-name: POST /v1/scheme is forwarded to the collector under that service', async () => {
    bridge = spawn(NODE, [CLI, 'bridge', '--port', '0', '--forward', stack.urls.otlpHttp, '--service-name', 'scheme-bridge', '--resource', 'scheme.source=bridge'], {
      env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    bridge.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await eventually(() => `the bridge's listening line:\n${stderr}`, () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1], 15_000);
    const doc = schemeDocument();
    const res = await fetch(`${url}/v1/scheme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    expect(await res.json()).toMatchObject({ documents: 1, forwarded: true });
    const trace = await inJaeger('scheme-bridge', doc.id);
    expect(trace.resource).toMatchObject({ 'service.name': 'scheme-bridge', 'scheme.source': 'bridge' });
  });
});
