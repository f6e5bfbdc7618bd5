/**
 * The collector's persistent sending queue (file_storage): spans it accepted
 * while Jaeger was down survive a collector restart and reach Jaeger when it
 * is back. Real binaries, native stack in test mode.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunStack, stackBinaries as binaries, eventually } from './stack-binaries';
import { makeTestRunDir, removeRunDir, start, type RunningStack } from '../../scripts/stack/native.mjs';

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) => eventually(what, probe, timeoutMs, 500);

/** The collector's own gauge of items waiting in the Jaeger exporter's queue. */
async function jaegerQueueSize(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith('otelcol_exporter_queue_size') && l.includes('exporter="otlp_grpc/jaeger"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe.runIf(canRunStack)('collector persistent queue', { timeout: 180_000 }, () => {
  let stack: RunningStack;
  let runDir: string;

  beforeAll(async () => {
    for (const b of binaries) b.require();
    runDir = makeTestRunDir();
    stack = await start({ ports: 'free', jaegerStorage: 'memory', runDir });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (runDir) removeRunDir(runDir);
  }, 60_000);

  it('delivers spans accepted while Jaeger was down, across a collector restart', async () => {
    await stack.stopService('jaeger');

    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'persistence-probe' } }] },
          scopeSpans: [
            {
              scope: { name: 'persistence-test' },
              spans: [
                {
                  traceId,
                  spanId: randomBytes(8).toString('hex'),
                  name: 'accepted-while-jaeger-down',
                  kind: 2,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${stack.urls.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.text()).toBe(200);

    // Accepted, and now waiting in the queue because Jaeger is unreachable.
    const queued = await waitFor('the span to wait in the Jaeger exporter queue', async () => {
      const size = await jaegerQueueSize(stack.urls.collectorMetrics);
      return size > 0 ? size : undefined;
    });
    expect(queued).toBeGreaterThan(0);

    await stack.stopService('collector');
    await stack.startService('jaeger');
    await stack.startService('collector');

    const stored = await waitFor('the span in Jaeger after the restart', async () => {
      const r = await fetch(`${stack.urls.jaeger}/api/v3/traces/${traceId}`);
      if (!r.ok) return undefined;
      const text = await r.text();
      return text.includes('accepted-while-jaeger-down') ? text : undefined;
    }, 90_000);
    expect(stored).toContain('persistence-probe');
  });
});
