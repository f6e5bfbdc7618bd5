/**
 * The scale-out profile (docs/scale-out.md), with the real programs on loopback: an agent
 * collector, two gateway collectors, Jaeger x2 on a two-node Cassandra, Thanos Receive x2 + Query,
 * a VictoriaLogs cluster, Prometheus and two clustered Alertmanagers, started from
 * docker-compose.yml's scale profile (scripts/stack/native.mts, free ports, test timings).
 *
 * Two stacks, one after the other:
 *  - tail sampling on (the profile's default): span metrics across gateways, losing a Thanos
 *    receiver, losing a Cassandra node, logs by trace id, Alertmanager HA;
 *  - sampling off: trace affinity and losing a gateway (kill -9). With tail sampling a killed
 *    gateway loses what sits in its decision window (docs/scale-out.md), so "nothing lost" is
 *    proven where nothing is held in memory.
 * Traces come from two processes per trace (test/stack/fixtures/trace-parts.mjs): a client part
 * (2 spans) and a server part (3 spans), sent independently to the agent collector.
 *
 * Missing binaries: loud skip on a dev machine, failure on CI (any truthy CI).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allQueries } from '../../collector-config/queries';
import { startAlertWebhook, type AlertWebhook } from '../../scripts/stack/alert-webhook.mjs';
import { makeTestRunDir, removeRunDir, start, type RunningStack } from '../../scripts/stack/native.mjs';
import { getPgUrl } from '../helpers/postgres';
import { runApp } from '../helpers/run-app';
import { canRunScaleStack, eventually, scaleBinaries } from './stack-binaries';
import { getJson, jaegerTrace, logsByTraceId, promQuery, type JaegerTraces, type PromApiResponse, type SpmMetrics } from './stores';

const run = promisify(execFile);
const SENDER = join(__dirname, 'fixtures/trace-parts.mjs');
const SPANS_PER_TRACE = 5; // client part 2 + server part 3
const TIMING = { ruleFor: '4s', evaluationInterval: '2s', scrapeInterval: '2s', groupWait: '1s', groupInterval: '2s' };

interface PartResult {
  part: 'client' | 'server';
  spans: number;
  accepted: string[];
  refused: string[];
}

/** Sends `traceIds` from two processes at once (client and server parts); resolves with both results. */
async function sendTraces(
  otlpHttp: string,
  dir: string,
  traceIds: string[],
  options: { service: string; batch?: number; pauseMs?: number; errorEvery?: number },
): Promise<Record<'client' | 'server', PartResult>> {
  const file = join(dir, `traces-${randomBytes(4).toString('hex')}.txt`);
  writeFileSync(file, traceIds.join('\n'));
  const part = async (name: 'client' | 'server') => {
    const args = [SENDER, '--endpoint', otlpHttp, '--part', name, '--traces', file, '--service', options.service];
    args.push('--batch', String(options.batch ?? 20), '--pause-ms', String(options.pauseMs ?? 0), '--error-every', String(options.errorEvery ?? 0));
    const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as PartResult;
  };
  const [client, server] = await Promise.all([part('client'), part('server')]);
  return { client, server };
}

const newTraceIds = (n: number) => Array.from({ length: n }, () => randomBytes(16).toString('hex'));

/** Resident memory of the stack's processes and this test process, sampled every second; the peak is kept. */
function memoryPeak(stack: () => RunningStack | undefined): { stop(): number } {
  let peak = 0;
  const rss = (pid: number) => {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) * 1024 : 0;
    } catch {
      return 0;
    }
  };
  const timer = setInterval(() => {
    const pids = Object.values(stack()?.pids() ?? {});
    const total = pids.reduce((sum, pid) => sum + rss(pid), rss(process.pid));
    peak = Math.max(peak, total);
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

const GiB = 1024 ** 3;
/** The whole scale-out test stays under this (issue limit: 8 GB). */
const MEMORY_LIMIT = 8 * GiB;

/** Starts the scale profile with the gateways' sampling mode, and watches its memory; stop() checks the peak. */
function scaleStack(sampling: 'tail' | 'off', alertWebhookUrl: () => string) {
  const handle = { stack: undefined as RunningStack | undefined, runDir: '' };
  let memory: { stop(): number } | undefined;
  return Object.assign(handle, {
    async start() {
      for (const b of scaleBinaries) b.require();
      handle.runDir = makeTestRunDir();
      memory = memoryPeak(() => handle.stack);
      handle.stack = await start({
        profile: 'scale',
        ports: 'free',
        runDir: handle.runDir,
        alertWebhookUrl: alertWebhookUrl(),
        env: { ...process.env, OTELCOL_SAMPLING: sampling },
        timing: TIMING,
        healthTimeoutMs: 400_000,
      });
      return handle.stack;
    },
    async stop() {
      const peak = memory?.stop() ?? 0;
      console.log(`[scale-out] sampling ${sampling}: peak resident memory ${(peak / GiB).toFixed(2)} GiB`);
      await handle.stack?.stop();
      if (handle.runDir) removeRunDir(handle.runDir);
      expect(peak).toBeLessThan(MEMORY_LIMIT);
    },
  });
}

describe.runIf(canRunScaleStack)('scale-out profile, tail sampling on (the default)', { timeout: 600_000 }, () => {
  let stack: RunningStack | undefined;
  let hook: AlertWebhook;
  let runDir: string;
  const scale = scaleStack('tail', () => hook.url);
  const errorTraces: string[] = [];
  const thanos = () => stack!.urls.thanosQuery!;

  beforeAll(async () => {
    hook = await startAlertWebhook();
    stack = await scale.start();
    runDir = scale.runDir;
  }, 420_000);

  afterAll(async () => {
    await scale.stop();
    await hook?.close();
  }, 120_000);

  const spanMetricTotal = async (selector: string) => Number((await promQuery(thanos(), `sum(traces_span_metrics_calls_total{${selector}})`))[0]?.value[1] ?? 0);

  it('counts every span exactly once across both gateways, and Thanos answers with one receiver down', async () => {
    const ids = newTraceIds(100);
    const sent = await sendTraces(stack!.urls.otlpHttp, runDir, ids, { service: 'scale-metrics', errorEvery: 10 });
    expect(sent.client.refused).toEqual([]);
    expect(sent.server.refused).toEqual([]);
    const spansSent = sent.client.spans + sent.server.spans;
    expect(spansSent).toBe(ids.length * SPANS_PER_TRACE);
    errorTraces.push(...ids.filter((_, i) => i % 10 === 0));

    const selector = 'service_name=~"scale-metrics-.*"';
    const total = await eventually('span-metric totals from both gateways in Thanos', async () => {
      const value = await spanMetricTotal(selector);
      return value === spansSent ? value : undefined;
    }, 120_000, 2000);
    expect(total).toBe(spansSent);
    // Each gateway counted its share: two otelcol_gateway values whose totals add up to the spans sent.
    const byGateway = await promQuery(thanos(), `sum by (otelcol_gateway) (traces_span_metrics_calls_total{${selector}})`);
    expect(byGateway.map((s) => s.metric.otelcol_gateway).sort()).toEqual(['gateway-1', 'gateway-2']);
    expect(byGateway.reduce((sum, s) => sum + Number(s.value[1]), 0)).toBe(spansSent);
    for (const s of byGateway) expect(Number(s.value[1])).toBeGreaterThan(0);
    // The dashboards' and Jaeger's aggregation: one series per service, not per gateway.
    const perService = await promQuery(thanos(), `sum by (service_name) (traces_span_metrics_calls_total{${selector}})`);
    expect(perService.map((s) => s.metric.service_name).sort()).toEqual(['scale-metrics-client', 'scale-metrics-server']);
    const seriesCount = async () => Number((await promQuery(thanos(), `count({__name__=~"traces_span_metrics_.*", ${selector}})`))[0]?.value[1] ?? 0);
    const seriesBefore = await seriesCount();
    expect(seriesBefore).toBeGreaterThan(0);

    await stack!.stopService('thanos-receive-2');
    // Replication factor 2: the remaining receiver has every series.
    expect(await spanMetricTotal(selector)).toBe(spansSent);
    expect(await seriesCount()).toBe(seriesBefore);
    // Spans sent meanwhile: gateway-1 writes to thanos-receive-1 (one replica is a write quorum
    // at replication factor 2); gateway-2 writes to the stopped receiver, so its share waits in
    // its write-ahead log. Once the receiver is back, the totals count every span.
    const more = await sendTraces(stack!.urls.otlpHttp, runDir, newTraceIds(20), { service: 'scale-metrics' });
    const moreSpans = more.client.spans + more.server.spans;
    await eventually('span metrics of the spans sent meanwhile, from gateway-1', async () => {
      const value = await spanMetricTotal(`${selector}, otelcol_gateway="gateway-1"`);
      const before = Number(byGateway.find((g) => g.metric.otelcol_gateway === 'gateway-1')!.value[1]);
      return value > before ? value : undefined;
    }, 120_000, 2000);
    await stack!.startService('thanos-receive-2');
    await eventually('every span counted once receiver 2 is back', async () => {
      const value = await spanMetricTotal(selector);
      return value === spansSent + moreSpans ? value : undefined;
    }, 180_000, 2000);
  });

  it("serves Jaeger's Monitor tab from Thanos, summed across gateways, and every dashboard query parses on Thanos", async () => {
    const params = new URLSearchParams({ service: 'scale-metrics-server', endTs: String(Date.now()), lookback: '600000', step: '5000', ratePer: '60000' });
    const calls = await eventually('SPM call rates from Thanos', async () => {
      const body = await getJson<SpmMetrics>(`${stack!.urls.jaeger}/api/metrics/calls?${params}`);
      const values = (body.metrics ?? []).flatMap((m) => m.metricPoints ?? []).map((p) => Number(p.gaugeValue?.doubleValue ?? NaN));
      return values.some((v) => v > 0) ? body : undefined;
    }, 120_000, 3000);
    // One series per operation for the service, whatever the number of gateways.
    const labels = (calls.metrics ?? []).map((m) => JSON.stringify(m.labels));
    expect(new Set(labels).size).toBe(labels.length);
    for (const q of allQueries().filter((x) => x.source === 'dashboard')) {
      const body = await getJson<PromApiResponse>(`${thanos()}/api/v1/query?${new URLSearchParams({ query: q.expr })}`);
      expect(body.status, `${q.file} ${q.where}: ${q.expr}`).toBe('success');
    }
  });

  it('reads every stored trace with a Cassandra node down, writes new ones, and the node catches up when back', async () => {
    expect(errorTraces.length).toBe(10);
    // Error traces are kept by tail sampling.
    const complete = async (ids: string[]) => {
      for (const id of ids) if ((await jaegerTrace(stack!.urls.jaeger, id)).length !== SPANS_PER_TRACE) return undefined;
      return true;
    };
    await eventually('the error traces in Jaeger (Cassandra)', () => complete(errorTraces), 120_000, 2000);

    const written = newTraceIds(20);
    await stack!.stopService('cassandra-2');
    try {
      await eventually('every stored trace with cassandra-2 down', () => complete(errorTraces), 120_000, 2000);
      const sent = await sendTraces(stack!.urls.otlpHttp, runDir, written, { service: 'scale-storage', errorEvery: 1 });
      expect(sent.client.refused.length + sent.server.refused.length).toBe(0);
      await eventually('traces written with cassandra-2 down', () => complete(written), 120_000, 2000);
    } finally {
      // Back (also when a check failed, so the next tests have both nodes): cassandra-1 replays
      // the hints it kept for cassandra-2 (hinted handoff), then deletes them.
      await stack!.startService('cassandra-2');
    }
    const hints = join(stack!.plan.services.find((s) => s.name === 'cassandra-1')!.volumes['cassandra-1-data'], 'hints');
    await eventually('cassandra-1 to deliver its hints to cassandra-2', async () => {
      const pending = existsSync(hints) ? readdirSync(hints).filter((f) => f.endsWith('.hints')) : [];
      return pending.length === 0 ? true : undefined;
    }, 180_000, 2000);
    // Proof of the catch-up: with cassandra-1 down, cassandra-2 alone serves what was written while it was away.
    await stack!.stopService('cassandra-1');
    try {
      await eventually('traces written during the outage, from cassandra-2 alone', () => complete(written), 120_000, 2000);
    } finally {
      await stack!.startService('cassandra-1');
    }
  });

  it("finds a request's log records in the log store by the trace id Jaeger shows for it", async () => {
    const app = await runApp('examples/demo-app/server.js', {
      env: {
        DATABASE_URL: getPgUrl(),
        PORT: '0',
        HOST: '127.0.0.1',
        OTEL_SERVICE_NAME: 'scale-demo',
        OTEL_EXPORTER_OTLP_ENDPOINT: stack!.urls.otlpHttp,
      },
    });
    try {
      // Fails with 500 (an error trace: kept by tail sampling) and logs "request failed".
      await fetch(`${app.baseUrl}/participants/export`);
      const traceId = await eventually('the /participants/export trace in Jaeger', async () => {
        const q = new URLSearchParams({
          'query.service_name': 'scale-demo',
          'query.start_time_min': new Date(Date.now() - 600_000).toISOString(),
          'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
        });
        const body = await getJson<JaegerTraces>(`${stack!.urls.jaeger}/api/v3/traces?${q}`);
        const spans = (body.result?.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []));
        return spans.find((s) => s.name.includes('/participants/export'))?.traceId;
      }, 120_000, 2000);
      const records = await eventually('its log records in VictoriaLogs (cluster)', async () => {
        const found = await logsByTraceId(stack!.urls.logs, traceId);
        return found.length ? found : undefined;
      }, 60_000, 2000);
      expect(records.map((r) => r._msg)).toContain('request failed');
      expect(records.every((r) => r.trace_id === traceId && r['service.name'] === 'scale-demo')).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it('notifies exactly once from the Alertmanager cluster, and still notifies with one peer killed', async () => {
    const peers = ['alertmanager-1', 'alertmanager-2'] as const;
    const externalUrl = (name: string) => stack!.plan.services.find((s) => s.name === name)!.args.find((a) => a.startsWith('--web.external-url='))!.split('=')[1];
    const notificationsFor = (service: string) =>
      hook.notifications.filter((n) => n.receiver === 'event-notification' && n.body.alerts.some((a) => a.labels.service === service));

    const svc1 = `scale-event-${randomBytes(3).toString('hex')}`;
    const stopEvents = sendBusinessEvents(stack!.urls.otlpHttp, svc1);
    try {
      const first = await eventually('a BusinessEvent notification', async () => notificationsFor(svc1)[0], 120_000, 1000);
      // Prometheus sent the alert to both peers.
      for (const peer of peers) {
        const url = `${externalUrl(peer).replace(/\/$/, '')}/api/v2/alerts?filter=${encodeURIComponent(`service="${svc1}"`)}`;
        const alerts = await getJson<unknown[]>(url.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:'));
        expect(alerts.length, peer).toBe(1);
      }
      // The other peer waits its cluster position x peer timeout (15 s), then finds the
      // notification in the gossiped log and stays silent: watch past twice that.
      const watchUntil = Date.parse(first.receivedAt) + 35_000;
      while (Date.now() < watchUntil) {
        expect(notificationsFor(svc1).length).toBe(1);
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(notificationsFor(svc1).length).toBe(1);
    } finally {
      stopEvents();
    }

    await stack!.killService('alertmanager-1');
    const svc2 = `scale-event-${randomBytes(3).toString('hex')}`;
    const stopMore = sendBusinessEvents(stack!.urls.otlpHttp, svc2);
    try {
      const next = await eventually('a BusinessEvent notification with alertmanager-1 killed', async () => notificationsFor(svc2)[0], 120_000, 1000);
      expect((next.body as { externalURL?: string }).externalURL).toBe(externalUrl('alertmanager-2'));
      expect(notificationsFor(svc2).length).toBe(1);
    } finally {
      stopMore();
    }
  });
});

/**
 * Records the business event import-participants-failed for `service` every 2 s, as the agent's
 * app.events counter (cumulative), over OTLP/HTTP: the BusinessEvent alert's input.
 */
function sendBusinessEvents(otlpHttp: string, service: string): () => void {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  let count = 0;
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const timer = setInterval(() => {
    count++;
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [str('service.name', service)] },
          scopeMetrics: [
            {
              scope: { name: 'scale-out-test' },
              metrics: [
                {
                  name: 'app.events',
                  unit: '{event}',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      {
                        attributes: [str('event_name', 'import-participants-failed'), str('event_context', 'import-participants')],
                        startTimeUnixNano: String(startNs),
                        timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                        asInt: String(count),
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    fetch(`${otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(() => undefined);
  }, 2000);
  return () => clearInterval(timer);
}

describe.runIf(canRunScaleStack)('scale-out profile, sampling off: affinity and losing a gateway', { timeout: 600_000 }, () => {
  let stack: RunningStack | undefined;
  let runDir: string;
  // No alert is expected here: Alertmanager's webhooks go to a closed port.
  const scale = scaleStack('off', () => 'http://127.0.0.1:9');

  beforeAll(async () => {
    stack = await scale.start();
    runDir = scale.runDir;
  }, 420_000);

  afterAll(() => scale.stop(), 120_000);

  /** otelcol.gateway of every span of a trace in Jaeger (the gateway that handled it). */
  const gatewaysOf = async (traceId: string) => {
    const spans = await jaegerTrace(stack!.urls.jaeger, traceId);
    return { spans: spans.length, gateways: new Set(spans.map((s) => String(s.resource['otelcol.gateway']))) };
  };

  it('puts every span of a trace on one gateway, and the two gateways share 200 traces within 35/65', async () => {
    // One trace first, read back whole: the freshly created keyspace is on both Cassandra nodes.
    const [warmUp] = newTraceIds(1);
    await sendTraces(stack!.urls.otlpHttp, runDir, [warmUp], { service: 'scale-affinity' });
    await eventually('a first trace complete in Jaeger', async () => ((await gatewaysOf(warmUp)).spans === SPANS_PER_TRACE ? true : undefined), 120_000, 1000);

    const ids = newTraceIds(200);
    const sent = await sendTraces(stack!.urls.otlpHttp, runDir, ids, { service: 'scale-affinity', batch: 10 });
    expect(sent.client.accepted.length + sent.server.accepted.length).toBe(400);
    const perGateway: Record<string, number> = {};
    const deadline = Date.now() + 180_000;
    for (const id of ids) {
      const trace = await eventually(`trace ${id} complete in Jaeger`, async () => {
        const t = await gatewaysOf(id);
        if (t.spans !== SPANS_PER_TRACE) throw new Error(`${t.spans} of ${SPANS_PER_TRACE} spans so far`);
        return t;
      }, Math.max(5000, deadline - Date.now()), 1000);
      expect([...trace.gateways].length, `trace ${id} spans on ${[...trace.gateways].join(', ')}`).toBe(1);
      const gateway = [...trace.gateways][0];
      perGateway[gateway] = (perGateway[gateway] ?? 0) + 1;
    }
    expect(Object.keys(perGateway).sort()).toEqual(['gateway-1', 'gateway-2']);
    const share = perGateway['gateway-1'] / ids.length;
    console.log(`[scale-out] affinity: gateway-1 ${perGateway['gateway-1']}, gateway-2 ${perGateway['gateway-2']} of ${ids.length} traces`);
    expect(share).toBeGreaterThanOrEqual(0.35);
    expect(share).toBeLessThanOrEqual(0.65);
  });

  it('loses nothing when a gateway is killed with kill -9 under load: every accepted span reaches Jaeger within 120 s', async () => {
    const ids = newTraceIds(600);
    // About 12 s of steady load from each process; gateway-1 is killed 3 s in and restarted
    // (as its supervisor would) 3 s later.
    const sending = sendTraces(stack!.urls.otlpHttp, runDir, ids, { service: 'scale-loss', batch: 10, pauseMs: 200 });
    await new Promise((r) => setTimeout(r, 3000));
    await stack!.killService('gateway-1');
    const killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    await stack!.startService('gateway-1');
    const sent = await sending;
    expect(Date.now() - killedAt, 'the load went on past the restart').toBeGreaterThan(3000);
    // The agent collector accepted everything (it queues a dead gateway's share, it does not refuse).
    expect(sent.client.refused).toEqual([]);
    expect(sent.server.refused).toEqual([]);
    const accepted = sent.client.spans + sent.server.spans;
    expect(accepted).toBe(ids.length * SPANS_PER_TRACE);

    const deadline = Date.now() + 120_000;
    let stored = 0;
    const missing: string[] = [];
    for (const id of ids) {
      const spans = await eventually(`trace ${id} complete`, async () => {
        const n = (await jaegerTrace(stack!.urls.jaeger, id)).length;
        return n === SPANS_PER_TRACE ? n : Date.now() > deadline ? n : undefined;
      }, Math.max(1000, deadline - Date.now() + 1000), 1000);
      stored += spans;
      if (spans !== SPANS_PER_TRACE) missing.push(id);
    }
    console.log(`[scale-out] gateway loss: ${stored} of ${accepted} accepted spans in Jaeger`);
    expect(missing).toEqual([]);
    expect(stored).toBe(accepted);
  });
});
