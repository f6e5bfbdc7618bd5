/**
 * End to end through the real stack: the demo app (examples/demo-app, Express 5
 * + pg) under the agent (`--require otel-companion/register`) sends to the
 * native stack (collector
 * built with ocb, Jaeger v2, Debian's Prometheus and Alertmanager), started
 * from docker-compose.yml's own configs (scripts/stack/native.mts, test mode:
 * free ports, Jaeger in memory, short `for:`/intervals).
 *
 * Run alone: npx vitest run test/stack
 * Missing binaries: loud skip on a dev machine, failure on CI (any truthy CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allQueries, type PromQLQuery } from '../../collector-config/queries';
import { canRunStack, stackBinaries as binaries, eventually } from './stack-binaries';
import { getPgUrl } from '../helpers/postgres';
import { runApp, type RunningApp } from '../helpers/run-app';
import { makeTestRunDir, removeRunDir, start, type RunningStack } from '../../scripts/stack/native.mjs';
import { startAlertWebhook, type AlertWebhook } from '../../scripts/stack/alert-webhook.mjs';
import { flatten, getJson, logsByTraceId, promQuery as query, type FlatSpan, type JaegerTraces, type PromApiResponse, type SpmMetrics } from './stores';

const SERVICE = 'demo-app-e2e';
const SECRET = 'sk-live-e2e-secret-4711';

const isServer = (s: FlatSpan) => s.kind === 'SPAN_KIND_SERVER' || s.kind === '2';
const isClient = (s: FlatSpan) => s.kind === 'SPAN_KIND_CLIENT' || s.kind === '3';

const jsonPost = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * Requests on a timer until stopped (bounded: at most 10 minutes). Each tick:
 * two pg-backed reads and one 500 (/participants/export throws); every fifth
 * tick a valid import (a pg transaction) and the slow report. Errors are
 * swallowed: the assertions look at what the stack recorded, not at the client.
 */
function startTraffic(baseUrl: string): { stop(): Promise<void> } {
  const until = Date.now() + 10 * 60_000;
  let stopped = false;
  let tick = 0;
  const loop = (async () => {
    while (!stopped && Date.now() < until) {
      tick++;
      const requests = [fetch(`${baseUrl}/participants?limit=5`), fetch(`${baseUrl}/db`), fetch(`${baseUrl}/participants/export`)];
      if (tick % 5 === 0) {
        requests.push(jsonPost(`${baseUrl}/participants/import`, [{ name: `Ada ${tick}`, email: `ada${tick}@example.com` }]));
        requests.push(fetch(`${baseUrl}/participants/report`));
      }
      await Promise.allSettled(requests);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe.runIf(canRunStack)('the stack, end to end with real binaries', { timeout: 180_000 }, () => {
  let stack: RunningStack;
  let app: RunningApp;
  let hook: AlertWebhook;
  let runDir: string;
  let startedAt: number;
  let traffic: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    for (const b of binaries) b.require();
    startedAt = Date.now();
    hook = await startAlertWebhook();
    runDir = makeTestRunDir();
    stack = await start({
      ports: 'free',
      jaegerStorage: 'memory',
      runDir,
      alertWebhookUrl: hook.url,
      timing: { ruleFor: '4s', evaluationInterval: '2s', scrapeInterval: '2s', groupWait: '1s', groupInterval: '2s' },
    });
    app = await runApp('examples/demo-app/server.js', {
      env: {
        DATABASE_URL: getPgUrl(),
        PORT: '0',
        HOST: '127.0.0.1',
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.urls.otlpHttp,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
      },
    });
    // Steady traffic for the rest of the suite, as a live service has: rate()
    // (alerts, Jaeger's Monitor tab) needs counters that keep increasing after
    // their first scrape. One request in three fails: the error burst.
    traffic = startTraffic(app.baseUrl);
    // Secrets to redact, and the business event, once each (plus a repeat).
    for (let i = 0; i < 3; i++) await fetch(`${app.baseUrl}/hello?user=ada&token=${SECRET}`, { headers: { authorization: `Bearer ${SECRET}` } });
    // An import without emails fails validation: the business event import-participants-failed.
    for (let i = 0; i < 2; i++) await jsonPost(`${app.baseUrl}/participants/import`, [{ name: 'no email' }]);
  }, 240_000);

  afterAll(async () => {
    await traffic?.stop();
    await app?.stop();
    await stack?.stop();
    await hook?.close();
    if (runDir) removeRunDir(runDir);
  }, 60_000);

  async function findTraces(): Promise<FlatSpan[]> {
    const q = new URLSearchParams({
      'query.service_name': SERVICE,
      'query.start_time_min': new Date(startedAt - 60_000).toISOString(),
      'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
      'query.num_traces': '1000',
    });
    const body = await getJson<JaegerTraces>(`${stack.urls.jaeger}/api/v3/traces?${q}`);
    return flatten(body.result);
  }

  it('stores traces in Jaeger (/api/v3) with http server spans, pg client spans and correct parents', async () => {
    const services = await eventually('service in Jaeger', async () => {
      const body = await getJson<{ services: string[] }>(`${stack.urls.jaeger}/api/v3/services`);
      return body.services?.includes(SERVICE) ? body.services : undefined;
    });
    expect(services).toContain(SERVICE);

    const spans = await eventually('a /participants trace with its pg span', async () => {
      const all = await findTraces();
      const server = all.find((s) => isServer(s) && s.attributes['http.route'] === '/participants');
      const pgSpan = server && all.find((s) => s.traceId === server.traceId && isClient(s) && s.attributes['db.system.name'] === 'postgresql');
      return pgSpan ? all : undefined;
    });
    const server = spans.find((s) => isServer(s) && s.attributes['http.route'] === '/participants')!;
    expect(server.parentSpanId).toBe('');
    const trace = spans.filter((s) => s.traceId === server.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const pgSpan = trace.find((s) => isClient(s) && s.attributes['db.system.name'] === 'postgresql')!;
    // The pg span descends from the server span through real parent links.
    let cursor: FlatSpan | undefined = pgSpan;
    const chain: string[] = [];
    while (cursor && cursor.parentSpanId) {
      chain.push(cursor.name);
      cursor = byId.get(cursor.parentSpanId);
    }
    expect(cursor?.spanId, `parent chain ${chain.join(' <- ')}`).toBe(server.spanId);
    expect(server.attributes['http.response.status_code']).toBe('200');
  });

  it('redacts secrets before they reach Jaeger', async () => {
    const spans = await eventually('the /hello traces', async () => {
      const all = await findTraces();
      return all.some((s) => isServer(s) && s.attributes['http.route'] === '/hello') ? all : undefined;
    });
    const login = spans.filter((s) => spans.some((r) => r.traceId === s.traceId && isServer(r) && r.attributes['http.route'] === '/hello'));
    expect(login.length).toBeGreaterThan(0);
    expect(JSON.stringify(login)).not.toContain(SECRET);
    // The request is still there, only its secret is gone.
    const server = login.find(isServer)!;
    expect(String(server.attributes['url.query'] ?? server.attributes['url.full'] ?? '')).toContain('user=ada');
  });

  it("serves the service's calls, latencies and errors on Jaeger's Monitor (SPM) API", { timeout: 150_000 }, async () => {
    const params = (extra: Record<string, string> = {}) =>
      new URLSearchParams({ service: SERVICE, endTs: String(Date.now()), lookback: '600000', step: '5000', ratePer: '60000', spanKind: 'server', ...extra });
    const points = (body: SpmMetrics) =>
      (body.metrics ?? []).flatMap((m) => m.metricPoints ?? []).map((p) => Number(p.gaugeValue?.doubleValue ?? NaN)).filter((v) => Number.isFinite(v));
    const calls = await eventually('SPM call rates', async () => {
      const v = points(await getJson<SpmMetrics>(`${stack.urls.jaeger}/api/metrics/calls?${params()}`));
      return v.some((x: number) => x > 0) ? v : undefined;
    });
    expect(Math.max(...calls)).toBeGreaterThan(0);
    const latencies = await eventually('SPM p95 latencies', async () => {
      const v = points(await getJson<SpmMetrics>(`${stack.urls.jaeger}/api/metrics/latencies?${params({ quantile: '0.95' })}`));
      return v.some((x: number) => x > 0) ? v : undefined;
    });
    expect(Math.max(...latencies)).toBeGreaterThan(0);
    const errors = await eventually('SPM error rates', async () => {
      const v = points(await getJson<SpmMetrics>(`${stack.urls.jaeger}/api/metrics/errors?${params()}`));
      return v.some((x: number) => x > 0) ? v : undefined;
    });
    // /participants/export fails: a third of the steady traffic.
    expect(Math.max(...errors)).toBeGreaterThan(0.05);
  });

  const promQuery = (expr: string) => query(stack.urls.prometheus, expr);

  it('has span metrics and app metrics in Prometheus, labelled by service_name', async () => {
    const spanMetrics = await eventually('span metrics', async () => {
      const r = await promQuery(`traces_span_metrics_calls_total{service_name="${SERVICE}", span_kind="SPAN_KIND_SERVER"}`);
      return r.length ? r : undefined;
    });
    expect(spanMetrics.map((s) => s.metric.http_route)).toContain('/participants');
    const appMetrics = await eventually('app http metrics', async () => {
      const r = await promQuery(`http_server_request_duration_seconds_count{service_name="${SERVICE}"}`);
      return r.length ? r : undefined;
    });
    expect(appMetrics.some((s) => s.metric.http_response_status_code === '500')).toBe(true);
  });

  it('stores the log records of a request in the log store, found by the trace id Jaeger shows for it', async () => {
    // /participants/export fails on every tick of the traffic: its server span and an error log record.
    const traceId = await eventually('a failed /participants/export trace in Jaeger', async () => {
      const spans = await findTraces();
      return spans.find((s) => isServer(s) && s.attributes['http.route'] === '/participants/export')?.traceId;
    });
    const records = await eventually('its log records in VictoriaLogs', async () => {
      const found = await logsByTraceId(stack.urls.logs, traceId);
      return found.length ? found : undefined;
    });
    expect(records.every((r) => r.trace_id === traceId)).toBe(true);
    expect(records.map((r) => r._msg)).toContain('request failed');
    expect(records[0]['service.name']).toBe(SERVICE);
  });

  it('keeps the redaction summary out of metric labels: no series carries a redaction_* label', async () => {
    // Some app series first, so the check looks at real data.
    await eventually('app metrics', async () => ((await promQuery(`http_server_request_duration_seconds_count{service_name="${SERVICE}"}`)).length ? true : undefined));
    const body = await getJson<{ status: string; data: string[] }>(`${stack.urls.prometheus}/api/v1/labels`);
    expect(body.status).toBe('success');
    expect(body.data).toContain('service_name');
    expect(body.data.filter((label) => label.startsWith('redaction_'))).toEqual([]);
  });

  it('keeps exemplars that point at traces stored in Jaeger', async () => {
    const exemplars = await eventually('exemplars', async () => {
      const q = new URLSearchParams({
        query: `traces_span_metrics_duration_milliseconds_bucket{service_name="${SERVICE}"}`,
        start: String((startedAt - 60_000) / 1000),
        end: String(Date.now() / 1000 + 60),
      });
      const body = await getJson<PromApiResponse<Array<{ exemplars?: Array<{ labels?: { trace_id?: string } }> }>>>(`${stack.urls.prometheus}/api/v1/query_exemplars?${q}`);
      const list = (body.data ?? []).flatMap((series) => series.exemplars ?? []);
      return list.length ? list : undefined;
    });
    const traceId = exemplars.map((e) => e.labels?.trace_id).find(Boolean);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const trace = await getJson<JaegerTraces>(`${stack.urls.jaeger}/api/v3/traces/${traceId}`);
    expect(flatten(trace.result).length).toBeGreaterThan(0);
  });

  it('fires HighErrorRate on the error burst and Alertmanager routes it to the webhook', async () => {
    const notification = await eventually(
      'a HighErrorRate notification',
      async () =>
        hook.notifications.find(
          (n) => n.receiver === 'oncall-critical' && n.body.alerts.some((a) => a.labels.alertname === 'HighErrorRate' && a.labels.service === SERVICE),
        ),
      150_000,
    );
    const alert = notification.body.alerts.find((a) => a.labels.alertname === 'HighErrorRate')!;
    expect(alert.status).toBe('firing');
    expect(alert.labels).toMatchObject({ severity: 'critical', service: SERVICE, service_name: SERVICE });
    expect(alert.annotations.summary).toContain(SERVICE);
    expect(alert.annotations.description).toMatch(/%/);
    expect(alert.annotations.runbook_url).toMatch(/docs\/runbooks\.md#higherrorrate$/);
    // The warning of the same alert and service is inhibited while the critical fires.
    const warnings = hook.notifications.filter(
      (n) => n.receiver === 'team-chat' && n.body.alerts.some((a) => a.labels.alertname === 'HighErrorRate' && a.status === 'firing'),
    );
    expect(warnings).toEqual([]);
  }, 180_000);

  it('notifies the business event import-participants-failed as BusinessEvent', async () => {
    const notification = await eventually(
      'a BusinessEvent notification',
      async () =>
        hook.notifications.find(
          (n) => n.receiver === 'event-notification' && n.body.alerts.some((a) => a.labels.alertname === 'BusinessEvent'),
        ),
      150_000,
    );
    const alert = notification.body.alerts.find((a) => a.labels.alertname === 'BusinessEvent')!;
    expect(alert.labels).toMatchObject({ event_name: 'import-participants-failed', event_context: 'import-participants', service: SERVICE });
    expect(Number(alert.annotations.count)).toBeGreaterThanOrEqual(1);
    expect(alert.annotations.traces_url).toContain(`service=${SERVICE}`);
  }, 180_000);

  it('parses every PromQL expression of the rules and dashboards, and the dashboards return data', async () => {
    const queries: PromQLQuery[] = allQueries();
    expect(queries.filter((q) => q.source === 'rule').length).toBeGreaterThan(10);
    expect(queries.filter((q) => q.source === 'dashboard').length).toBeGreaterThan(10);
    // Parse errors are immediate; data may need a few more scrapes.
    for (const q of queries) {
      const body = await getJson<PromApiResponse>(`${stack.urls.prometheus}/api/v1/query?${new URLSearchParams({ query: q.expr })}`).catch((err: Error): PromApiResponse => ({
        status: 'error',
        error: err.message,
      }));
      expect(body.status, `${q.file} ${q.where}: ${q.expr}\n${JSON.stringify(body).slice(0, 400)}`).toBe('success');
    }
    let empty: string[] = [];
    await eventually(
      'data for every dashboard query',
      async () => {
        empty = [];
        for (const q of queries.filter((x) => x.expectData)) if ((await promQuery(q.expr)).length === 0) empty.push(`${q.file} ${q.where}: ${q.expr}`);
        return empty.length === 0 ? true : undefined;
      },
      90_000,
      3000,
    ).catch(() => undefined);
    expect(empty, 'dashboard queries without data after the traffic').toEqual([]);
  }, 180_000);
});
