import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApp, type RunningApp } from '../helpers/run-app';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { eventually } from '../helpers/eventually';

const APP = 'test/logs/fixtures/logging-app.cjs';

interface Line { [k: string]: unknown; message?: string; trace_id?: string }

function jsonLines(stdout: string): Line[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
}

function agentEnv(receiver: OtlpReceiver, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'logs-under-test',
    OTEL_BLRP_SCHEDULE_DELAY: '200',
    ...extra,
  };
}

describe('logs under the preload agent', () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp(APP, { env: agentEnv(receiver) });
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('lines written inside a request carry that request\'s trace id, as JSON with the documented fields', async () => {
    const res = await fetch(`${app.baseUrl}/work/42`, { headers: { 'x-tenant-id': 'acme', 'x-request-id': 'req-1', 'x-test-user': 'u-7' } });
    expect(res.status).toBe(200);
    await receiver.waitFor(() => receiver.spans().some((s) => s.kind === 2 && s.attributes['http.route'] === '/work/:id'), 15_000, 'server span');
    const server = receiver.spans().find((s) => s.kind === 2 && s.attributes['http.route'] === '/work/:id')!;

    // The access line is written when the response has been sent, after the handler's lines.
    const lines = await eventually(() => `the access line of /work/42 on stdout:\n${app.stdout()}`, () => {
      const all = jsonLines(app.stdout());
      return all.some((l) => l.message === 'request completed' && l['url.path'] === '/work/42') && all;
    });
    const working = lines.find((l) => l.message === 'working');
    expect(working, app.stdout()).toBeDefined();
    expect(working).toMatchObject({
      level: 'info', service: 'logs-under-test', trace_id: server.traceId, trace_flags: '01',
      tenant_id: 'acme', user_id: 'u-7', request_id: 'req-1', component: 'http', item: '42',
    });
    expect(working!.span_id).toMatch(/^[0-9a-f]{16}$/);
    // Sensitive fields are masked by the processors' redaction rules on the console too.
    expect(working!.password).toBe('[REDACTED]');
    expect(app.stdout()).not.toContain('hunter2');
    expect(new Date(String(working!.timestamp)).toISOString()).toBe(working!.timestamp);
    expect(Object.keys(working!).slice(0, 7)).toEqual(['timestamp', 'level', 'message', 'service', 'trace_id', 'span_id', 'trace_flags']);

    // The app's own winston logger gets the same ids (instrumentation-winston's log correlation).
    const own = lines.find((l) => l.message === 'own logger line');
    expect(own).toMatchObject({ trace_id: server.traceId, item: '42' });

    // Errors carry their stack.
    const failed = lines.find((l) => l.message === 'failed line') as { err?: { stack?: string } } | undefined;
    expect(failed?.err?.stack).toContain('Error: kaput');

    // The access line (accessLog: true), in the same trace, with the route.
    const access = lines.find((l) => l.message === 'request completed' && l['url.path'] === '/work/42');
    expect(access).toMatchObject({
      level: 'info', trace_id: server.traceId, tenant_id: 'acme', 'http.request.method': 'GET', 'http.route': '/work/:id', 'http.response.status_code': 200,
    });
    expect(typeof access!.duration_ms).toBe('number');

    // No span, no ids.
    const outside = lines.find((l) => l.message === 'outside any request');
    expect(outside).toBeDefined();
    expect(outside!.trace_id).toBeUndefined();
  });

  it("writes the server span's http.route on the access line for a router mounted on a path with a parameter", async () => {
    const res = await fetch(`${app.baseUrl}/tenants/acme/orders/7`);
    expect(await res.json()).toEqual({ tenant: 'acme', order: '7' });
    const route = '/tenants/:tenant/orders/:orderId';
    await receiver.waitFor(() => receiver.spans().some((s) => s.kind === 2 && s.attributes['http.route'] === route), 15_000, 'server span of the mounted route');
    const server = receiver.spans().find((s) => s.kind === 2 && s.attributes['http.route'] === route)!;
    const access = await eventually(() => `the access line of /tenants/acme/orders/7 on stdout:\n${app.stdout()}`, () =>
      jsonLines(app.stdout()).find((l) => l.message === 'request completed' && l['url.path'] === '/tenants/acme/orders/7'));
    // Express's own req.baseUrl + req.route.path would give the same template here; the span's is the one logged.
    expect(access).toMatchObject({ trace_id: server.traceId, 'http.route': route, 'http.response.status_code': 200 });
  });

  it('sends each record over OTLP exactly once, linked to the span', async () => {
    await receiver.waitFor(() => receiver.logs().some((l) => l.body === 'own logger line'), 15_000, 'app logger record');
    await receiver.waitFor(() => receiver.logs().some((l) => l.body === 'working'), 15_000, 'createLogger record');
    // After the app's shutdown flush nothing more can arrive: a duplicate would be here by now.
    await app.stop();
    const server = receiver.spans().find((s) => s.kind === 2 && s.attributes['http.route'] === '/work/:id')!;
    const working = receiver.logs().filter((l) => l.body === 'working');
    const own = receiver.logs().filter((l) => l.body === 'own logger line');
    expect(working).toHaveLength(1);
    expect(own).toHaveLength(1);
    expect(working[0]!.traceId?.toLowerCase()).toBe(server.traceId.toLowerCase());
    expect(working[0]!.attributes).toMatchObject({ tenant_id: 'acme', item: '42' });
    // trace fields travel as the record's trace context, not as attributes.
    expect(working[0]!.attributes.trace_id).toBeUndefined();
    expect(working[0]!.resource['service.name']).toBe('logs-under-test');
    expect(receiver.rawBodies.some((b) => b.includes('hunter2'))).toBe(false);
  });
});

describe('LOG_LEVEL', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => receiver?.close());

  async function messagesWith(level: string | undefined): Promise<{ messages: string[]; stderr: string }> {
    const app = await runApp(APP, { env: agentEnv(receiver, level === undefined ? {} : { LOG_LEVEL: level }) });
    try {
      await fetch(`${app.baseUrl}/work/1`);
      // 'failed line' (error) passes every level and is the handler's last line.
      await eventually(() => `the handler's last line on stdout:\n${app.stdout()}`, () => jsonLines(app.stdout()).some((l) => l.message === 'failed line'));
      return { messages: jsonLines(app.stdout()).filter((l) => l.service).map((l) => String(l.message)), stderr: app.stderr() };
    } finally {
      await app.stop();
    }
  }

  it('filters lines below the level', async () => {
    const debug = await messagesWith('debug');
    expect(debug.messages).toEqual(expect.arrayContaining(['working', 'debug line', 'warn line', 'failed line']));

    const warn = await messagesWith('warn');
    expect(warn.messages).toEqual(expect.arrayContaining(['warn line', 'failed line']));
    expect(warn.messages).not.toContain('working');
    expect(warn.messages).not.toContain('debug line');

    const error = await messagesWith('error');
    expect(error.messages).toEqual(['failed line']);
  });

  it('an invalid LOG_LEVEL is told in one line and info is used', async () => {
    const r = await messagesWith('loud');
    const complaint = r.stderr.split('\n').filter((l) => l.includes('LOG_LEVEL'));
    expect(complaint).toHaveLength(1);
    expect(complaint[0]).toContain('"loud"');
    expect(complaint[0]).toContain('debug, info, warn, error');
    expect(r.messages).toContain('working');
    expect(r.messages).not.toContain('debug line');
  });
});

describe('logs under --import (ESM app)', () => {
  it('createLogger() and the app\'s own winston logger both carry the request\'s trace id', async () => {
    const receiver = await startOtlpReceiver();
    const app = await runApp('test/logs/fixtures/logging-app.mjs', { preload: 'import', env: agentEnv(receiver) });
    try {
      expect((await fetch(`${app.baseUrl}/work/7`, { headers: { 'x-tenant-id': 'esm' } })).status).toBe(200);
      await receiver.waitFor(() => receiver.spans().some((s) => s.kind === 2 && s.attributes['http.route'] === '/work/:id'), 15_000, 'server span');
      const server = receiver.spans().find((s) => s.kind === 2 && s.attributes['http.route'] === '/work/:id')!;
      const lines = await eventually(() => `the handler's lines on stdout:\n${app.stdout()}`, () => {
        const all = jsonLines(app.stdout());
        return all.some((l) => l.message === 'own logger line') && all;
      });
      expect(lines.find((l) => l.message === 'working')).toMatchObject({ trace_id: server.traceId, tenant_id: 'esm' });
      expect(lines.find((l) => l.message === 'own logger line')).toMatchObject({ trace_id: server.traceId });
      expect(app.stderr()).not.toMatch(/error/i);
    } finally {
      await app.stop();
      await receiver.close();
    }
  });
});
