/**
 * The public OpenTelemetry API is unchanged for everyone else: a contrib instrumentation the agent
 * does not bundle (installed next to the app, enabled by name) and the app's own spans (through its
 * own copy of @opentelemetry/api) land in the
 * request's trace with the right parents, through the same redaction, export and dev view as the
 * agent's own HTTP span. Runs on the pipeline of the test run (npm test runs both).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { REPO_ROOT, runApp, type RunningApp } from '../helpers/run-app';

describe('an instrumentation the agent does not bundle, and the app\'s own spans', () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp('test/fixtures/opt-in/app.cjs', {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'opt-in',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,dns', OTEL_COMPANION_DEV: '1',
      },
    });
    // Both come from the app's own node_modules, not from the agent's.
    for (const id of ['@opentelemetry/instrumentation-dns', '@opentelemetry/api']) {
      expect(require.resolve(id, { paths: [join(REPO_ROOT, 'test/fixtures/opt-in')] })).toContain('test/fixtures/opt-in/node_modules');
    }
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('puts the dns span under the app\'s span, under the server span, in one trace', async () => {
    const res = (await (await fetch(`${app.baseUrl}/lookup`)).json()) as { address: string };
    expect(res.address).toMatch(/^(127\.0\.0\.1|::1)$/);
    await receiver.waitFor(() => receiver.spans().some((s) => s.kind === 2 && s.attributes['url.path'] === '/lookup'), 15_000, 'the server span');
    const spans = receiver.spans();
    const server = spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/lookup')!;
    const own = spans.find((s) => s.name === 'resolve backend')!;
    // (The app's start-up makes dns spans of its own, in other traces.)
    const lookup = spans.find((s) => s.scope === '@opentelemetry/instrumentation-dns' && s.traceId === server.traceId)!;
    expect(new Set([server.traceId, own.traceId, lookup.traceId]).size).toBe(1);
    expect(own.parentSpanId).toBe(server.spanId);
    expect(lookup.parentSpanId).toBe(own.spanId);
    expect(server.name).toBe('GET /lookup');
  });

  it('redacts the app\'s own span like any other, and shows every span in the dev view', async () => {
    const own = receiver.spans().find((s) => s.name === 'resolve backend')!;
    expect(own.attributes['backend.password']).toBe('[REDACTED]');
    expect(own.attributes['backend.host']).toBe('localhost');
    await receiver.waitFor(() => /── GET \/lookup/.test(app.stderr()), 10_000, 'the dev view tree');
    const tree = app.stderr().slice(app.stderr().indexOf('── GET /lookup'));
    expect(tree).toMatch(/resolve backend[\s\S]*dns\.lookup/);
    expect(app.stderr()).not.toContain('hunter2');
  });
});
