/**
 * OTELCOL_SAMPLING=tail (collector-config/otelcol/sampling-tail.yaml), with the
 * real collector: Jaeger keeps error and slow traces and only a fraction of
 * the rest, while span metrics still count every span (computed before
 * sampling, contrib#30319).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunStack, stackBinaries as binaries, eventually } from './stack-binaries';
import { makeTestRunDir, removeRunDir, start, type RunningStack } from '../../scripts/stack/native.mjs';

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) => eventually(what, probe, timeoutMs, 1000);

const SERVICE = 'tail-sampling-probe';
const PLAIN_TRACES = 60;

interface ProbeTrace {
  traceId: string;
  kind: 'plain' | 'error' | 'slow';
}

function span(trace: ProbeTrace, endNs: bigint) {
  const durationNs = trace.kind === 'slow' ? 800_000_000n : 2_000_000n;
  return {
    traceId: trace.traceId,
    spanId: randomBytes(8).toString('hex'),
    name: `GET /${trace.kind}`,
    kind: 2,
    startTimeUnixNano: String(endNs - durationNs),
    endTimeUnixNano: String(endNs),
    status: trace.kind === 'error' ? { code: 2, message: 'boom' } : { code: 0 },
  };
}

describe.runIf(canRunStack)('tail sampling (OTELCOL_SAMPLING=tail)', { timeout: 180_000 }, () => {
  let stack: RunningStack;
  let runDir: string;
  const traces: ProbeTrace[] = [
    ...Array.from({ length: PLAIN_TRACES }, (): ProbeTrace => ({ traceId: randomBytes(16).toString('hex'), kind: 'plain' })),
    { traceId: randomBytes(16).toString('hex'), kind: 'error' },
    { traceId: randomBytes(16).toString('hex'), kind: 'slow' },
  ];

  beforeAll(async () => {
    for (const b of binaries) b.require();
    runDir = makeTestRunDir();
    stack = await start({
      ports: 'free',
      jaegerStorage: 'memory',
      runDir,
      env: { ...process.env, OTELCOL_SAMPLING: 'tail' },
      timing: { scrapeInterval: '2s', evaluationInterval: '2s' },
    });
    const collector = stack.plan.services.find((s) => s.name === 'collector')!;
    expect(collector.args.some((a) => a.endsWith('sampling-tail.yaml'))).toBe(true);
    const now = BigInt(Date.now()) * 1_000_000n;
    const res = await fetch(`${stack.urls.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
            scopeSpans: [{ scope: { name: 'tail-sampling-test' }, spans: traces.map((t) => span(t, now)) }],
          },
        ],
      }),
    });
    expect(res.status, await res.text()).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (runDir) removeRunDir(runDir);
  }, 60_000);

  const inJaeger = async (traceId: string) => (await fetch(`${stack.urls.jaeger}/api/v3/traces/${traceId}`)).ok;

  it('keeps the error trace and the slow trace', async () => {
    // decision_wait is 10 s: traces reach Jaeger only after it.
    await waitFor('the error and slow traces in Jaeger', async () => {
      const kept = await Promise.all(traces.filter((t) => t.kind !== 'plain').map((t) => inJaeger(t.traceId)));
      return kept.every(Boolean) ? true : undefined;
    });
  });

  it('keeps only a fraction of the plain traces', async () => {
    const kept = (await Promise.all(traces.filter((t) => t.kind === 'plain').map((t) => inJaeger(t.traceId)))).filter(Boolean).length;
    // 10% of 60 is expected; more than half would mean the probabilistic policy is not applied.
    expect(kept).toBeLessThan(PLAIN_TRACES / 2);
  });

  it('still counts every span in the span metrics', async () => {
    const total = await waitFor('span metrics for all spans', async () => {
      const q = new URLSearchParams({ query: `sum(traces_span_metrics_calls_total{service_name="${SERVICE}"})` });
      const body = (await (await fetch(`${stack.urls.prometheus}/api/v1/query?${q}`)).json()) as { data: { result: { value: [number, string] }[] } };
      const value = Number(body.data.result[0]?.value[1] ?? 0);
      return value === traces.length ? value : undefined;
    });
    expect(total).toBe(PLAIN_TRACES + 2);
  });
});
