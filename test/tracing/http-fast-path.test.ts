/**
 * The agent's own HTTP spans (fast pipeline, from Node's diagnostics channels) in the cases that
 * channel-based instrumentation makes delicate (opentelemetry-js#6947 lists them): listeners on
 * the request, Expect: 100-continue, outgoing calls and their propagation, requests a mock
 * answers, and https servers.
 */
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type FlatSpan, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';

const APP = 'test/fixtures/apps/fast-path-app.cjs';
const SERVER = 2;
const CLIENT = 3;

function post(base: string, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    // With Expect: 100-continue the body waits for the server's go-ahead.
    if (headers.expect) request.on('continue', () => request.end(body));
    else request.end(body);
  });
}

/** The spans of the one trace whose server span has this url.path. */
async function traceOf(receiver: OtlpReceiver, path: string, atLeast = 1): Promise<FlatSpan[]> {
  let spans: FlatSpan[] = [];
  await receiver.waitFor(() => {
    const server = receiver.spans().find((s) => s.kind === SERVER && s.attributes['url.path'] === path);
    spans = server ? receiver.spans().filter((s) => s.traceId === server.traceId) : [];
    return spans.length >= atLeast;
  }, 15_000, `${atLeast} spans of the trace of ${path}`);
  return spans;
}

describe('fast pipeline: the agent\'s own HTTP spans', () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;
  let tlsPort = 0;
  const certDir = mkdtempSync(join(tmpdir(), 'otel-companion-tls-'));

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
    receiver = await startOtlpReceiver();
    app = await runApp(APP, {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'fast-path', OTEL_COMPANION_PIPELINE: 'fast',
        TLS_KEY: join(certDir, 'key.pem'), TLS_CERT: join(certDir, 'cert.pem'), NODE_TLS_REJECT_UNAUTHORIZED: '0',
      },
    });
    await receiver.waitFor(() => /TLS \d+/.test(app.stdout()), 10_000, 'the https server');
    tlsPort = Number(app.stdout().match(/TLS (\d+)/)![1]);
  });

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('runs body parsers in the request\'s context: the handler\'s span is the server span\'s child', async () => {
    expect((await post(app.baseUrl, '/json', '{"a":1}', { 'content-type': 'application/json' })).text).toBe('{"got":{"a":1}}');
    const spans = await traceOf(receiver, '/json', 2);
    const server = spans.find((s) => s.kind === SERVER)!;
    const handler = spans.find((s) => s.name === 'handle json')!;
    expect(handler.parentSpanId).toBe(server.spanId);
    expect(server.name).toBe('POST /json');
    expect(server.attributes['http.route']).toBe('/json');
  });

  it('runs the app\'s own request listeners in the request\'s context: no orphan spans', async () => {
    const body = 'x'.repeat(200_000); // several chunks
    expect((await post(app.baseUrl, '/raw', body)).text).toBe(String(body.length));
    const spans = await traceOf(receiver, '/raw', 3);
    const server = spans.find((s) => s.kind === SERVER)!;
    const chunks = spans.filter((s) => s.name === 'read chunk');
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    for (const chunk of [...chunks, spans.find((s) => s.name === 'after body')!]) expect(chunk.parentSpanId).toBe(server.spanId);
    // No span of the app is a root of its own trace.
    expect(receiver.spans().filter((s) => s.name === 'read chunk' && !s.parentSpanId)).toEqual([]);
  });

  it('traces a request that asks Expect: 100-continue, handler context included', async () => {
    expect((await post(app.baseUrl, '/json', '{"b":2}', { 'content-type': 'application/json', expect: '100-continue' })).text).toBe('{"got":{"b":2}}');
    const spans = await receiver.waitFor(() => receiver.spans().filter((s) => s.kind === SERVER && s.attributes['url.path'] === '/json').length >= 2, 15_000, 'the second /json trace')
      .then(() => receiver.spans().filter((s) => s.kind === SERVER && s.attributes['url.path'] === '/json'));
    const server = spans.at(-1)!;
    await receiver.waitFor(() => receiver.spans().some((s) => s.name === 'handle json' && s.traceId === server.traceId), 15_000, 'the handler span');
    expect(receiver.spans().find((s) => s.name === 'handle json' && s.traceId === server.traceId)!.parentSpanId).toBe(server.spanId);
  });

  it('makes a client span for an outgoing call, propagates to the callee, and keeps the caller\'s context in callbacks', async () => {
    const res = (await (await fetch(`${app.baseUrl}/call`)).json()) as { body: string; sameContext: boolean };
    expect(res).toEqual({ body: 'hello', sameContext: true });
    const spans = await traceOf(receiver, '/call', 3);
    const caller = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/call')!;
    const client = spans.find((s) => s.kind === CLIENT)!;
    const callee = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/hello')!;
    expect(client.parentSpanId).toBe(caller.spanId);
    expect(callee.parentSpanId).toBe(client.spanId);
    expect(client.attributes).toMatchObject({ 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'http.response.status_code': 200 });
    expect(client.attributes['url.full']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hello$/);
  });

  it('Expect: 100-continue on an outgoing call: the headers are already sent, so the trace context cannot be added (documented)', async () => {
    const plain = (await (await fetch(`${app.baseUrl}/call-plain`)).json()) as { traceparent: string | null };
    const expecting = (await (await fetch(`${app.baseUrl}/call-expect`)).json()) as { traceparent: string | null };
    expect(plain.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(expecting.traceparent).toBeNull();
    // The client span itself is still recorded, under the caller's span.
    const spans = await traceOf(receiver, '/call-expect', 2);
    expect(spans.find((s) => s.kind === CLIENT)?.parentSpanId).toBe(spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/call-expect')!.spanId);
  });

  it('a request nock 15 answers is still a ClientRequest, so it is traced; nothing breaks', async () => {
    // Mocks that replace http.request without creating a ClientRequest (nock before 14) are not
    // seen by Node's channels at all: no client span, as docs/agent.md says.
    expect(await (await fetch(`${app.baseUrl}/call-nock`)).text()).toBe('mocked');
    const spans = await traceOf(receiver, '/call-nock', 2);
    const server = spans.find((s) => s.kind === SERVER)!;
    const client = spans.find((s) => s.kind === CLIENT)!;
    expect(client.parentSpanId).toBe(server.spanId);
    expect(client.attributes).toMatchObject({ 'url.full': 'http://mocked.invalid/thing', 'http.response.status_code': 200 });
  });

  it('traces https servers with url.scheme https', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: tlsPort, path: '/hello', rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toBe('hello');
    await receiver.waitFor(() => receiver.spans().some((s) => s.kind === SERVER && s.attributes['url.scheme'] === 'https'), 15_000, 'the https server span');
    const span = receiver.spans().find((s) => s.kind === SERVER && s.attributes['url.scheme'] === 'https')!;
    expect(span).toMatchObject({ name: 'GET /hello', attributes: { 'http.route': '/hello', 'server.port': tlsPort } });
  });
});
