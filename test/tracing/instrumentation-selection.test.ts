import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';

const CLIENT = 3;
let app: RunningApp | undefined;
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await app?.stop();
  await receiver?.close();
  app = undefined;
  receiver = undefined;
});

async function outerTrace(env: Record<string, string>) {
  receiver = await startOtlpReceiver();
  app = await runApp('test/fixtures/apps/fetch-app.cjs', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env } });
  expect(await (await fetch(`${app.baseUrl}/outer`)).text()).toBe('outer got inner');
  await receiver.waitFor(() => receiver!.spans().filter((s) => s.kind === 2).length >= 2, 10_000, 'two server spans');
  // The app's shutdown flushes every ended span: the client span, when there is one, is in.
  await app.stop();
  return receiver.spans();
}

describe('instrumentation selection', () => {
  it('loads only the supported set by default (fetch is not traced)', async () => {
    const spans = await outerTrace({});
    expect(spans.filter((s) => s.kind === CLIENT)).toEqual([]);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(2); // no propagation through fetch
  });

  it('loads an opt-in instrumentation by name and it joins the trace', async () => {
    const spans = await outerTrace({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici' });
    const client = spans.find((s) => s.kind === CLIENT);
    expect(client?.scope).toBe('@opentelemetry/instrumentation-undici');
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  });

  it('the disabled list wins over the enabled list', async () => {
    const spans = await outerTrace({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' });
    expect(spans.filter((s) => s.kind === CLIENT)).toEqual([]);
  });
});
