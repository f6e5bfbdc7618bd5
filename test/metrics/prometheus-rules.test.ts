import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertRules, type AlertRule } from '../../collector-config/queries';
import { requireBinary } from '../alerting/binaries';
import { freePort, getPgUrl } from '../helpers/postgres';
import { runApp, type RunningApp } from '../helpers/run-app';
import { eventually } from '../helpers/eventually';

// The alert rules are written against the collector's Prometheus names. With
// OTEL_METRICS_EXPORTER=prometheus a real Prometheus scrapes the agent directly instead; every
// rule about agent metrics must find its series there too. Thresholds are taken off so that the
// expressions return the measured values of a healthy app, and the one rule whose condition the
// app really meets (a saturated pool, a business event) must return the firing series as written.
const prometheus = requireBinary('prometheus', 'apt-get install prometheus');
const AGENT_RULE_FILES = ['prometheus/rules/http.yml', 'prometheus/rules/database.yml', 'prometheus/rules/nodejs-runtime.yml', 'prometheus/rules/business-events.yml'];

function withoutThreshold(expr: string): string {
  return expr.replace(/\s*>\s*[0-9.]+\s*$/, '');
}

describe.runIf(prometheus.shouldRun)('alert rules against the agent\'s own scrape endpoint (real Prometheus)', () => {
  let app: RunningApp;
  let prom: ChildProcess | undefined;
  let promUrl = '';
  let dir = '';
  let promLog = '';

  async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`query failed: ${body.error}\n${expr}`);
    return body.data!.result;
  }

  beforeAll(async () => {
    const bin = prometheus.require();
    const appPort = await freePort();
    app = await runApp('test/metrics/fixtures/metrics-app.cjs', {
      env: {
        TEST_PG_URL: getPgUrl(), OTEL_SERVICE_NAME: 'scraped-app', OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(appPort),
        OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_COMPANION_EVENT_LOOP_PRECISION_MS: '1',
      },
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-companion-prom-'));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: app',
      `    static_configs: [{ targets: ['127.0.0.1:${appPort}'] }]`,
      '',
    ].join('\n'));
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    prom = spawn(bin, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prom.stdout!.on('data', (d: Buffer) => (promLog += d.toString()));
    prom.stderr!.on('data', (d: Buffer) => (promLog += d.toString()));

    const hit = async (p: string) => (await fetch(app.baseUrl + p)).arrayBuffer();
    const scrapes = async () => Number((await query('count_over_time(up{job="app"}[1m])'))[0]?.value[1] ?? 0);
    // Traffic across several scrapes, so that rate() and increase() have two samples.
    await eventually(() => `4 scrapes of the app under traffic\nPrometheus log:\n${promLog.slice(-2000)}`, async () => {
      await Promise.all([hit('/enroll/math'), hit('/report'), hit('/boom'), hit('/message/x')]);
      return (await scrapes()) >= 4;
    }, 60_000, 500);
    await hit('/hold'); // saturates the audit pool (max 1) and holds one of reports' two connections
    // The rules below must see the held pools: wait for a scrape that started after the hold.
    const heldAt = Date.now() / 1000;
    await eventually('a scrape after /hold', async () => Number((await query('timestamp(up{job="app"})'))[0]?.value[1] ?? 0) > heldAt, 15_000, 250);
  }, 120_000);

  afterAll(async () => {
    prom?.kill('SIGTERM');
    await app?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const rules = (): AlertRule[] => alertRules().filter((r) => AGENT_RULE_FILES.includes(r.file));

  it('covers the agent-metric rules', () => {
    const names = new Set(rules().map((r) => r.alert));
    for (const n of ['HighErrorRate', 'HighLatencyP95', 'SlowDatabaseQueries', 'DatabasePoolNearExhaustion', 'EventLoopLagHigh', 'MemoryNearLimit']) {
      expect(names, `rule ${n}`).toContain(n);
    }
  });

  it('every rule expression finds the agent\'s series (thresholds removed)', async () => {
    const empty: string[] = [];
    for (const r of rules()) {
      const result = await query(withoutThreshold(r.expr));
      if (result.length === 0) empty.push(`${r.alert} (${r.labels.severity}): ${withoutThreshold(r.expr).replace(/\s+/g, ' ')}`);
    }
    expect(empty, `no data for:\n${empty.join('\n')}\nPrometheus log:\n${promLog.slice(-2000)}`).toEqual([]);
  });

  it('DatabasePoolNearExhaustion fires for the saturated pool only', async () => {
    const critical = rules().find((r) => r.alert === 'DatabasePoolNearExhaustion' && r.labels.severity === 'critical')!;
    const firing = await query(critical.expr);
    expect(firing.map((s) => s.metric.db_client_connection_pool_name)).toEqual(['audit']);
    expect(firing[0]!.metric.service_name).toBe('scraped-app');
    const ratio = await query(withoutThreshold(critical.expr));
    const byPool = Object.fromEntries(ratio.map((s) => [s.metric.db_client_connection_pool_name, Number(s.value[1])]));
    expect(byPool.audit).toBe(1);
    expect(byPool.orders).toBe(0);
    const u = new URL(getPgUrl());
    expect(byPool[`${u.hostname}:${u.port}/${u.pathname.slice(1)}`]).toBe(0.5);
  });

  it('HighErrorRate sees the 5xx share of the app', async () => {
    const rule = rules().find((r) => r.alert === 'HighErrorRate')!;
    const ratio = await query(withoutThreshold(rule.expr));
    expect(ratio).toHaveLength(1);
    // /boom is one request in four of each round.
    expect(Number(ratio[0]!.value[1])).toBeGreaterThan(0.15);
    expect(Number(ratio[0]!.value[1])).toBeLessThan(0.35);
  });

  it('the business-event rule returns the recorded event', async () => {
    const rule = rules().find((r) => r.file === 'prometheus/rules/business-events.yml')!;
    const firing = await query(rule.expr);
    expect(firing.map((s) => s.metric.event_name)).toContain('import-participants-failed');
  });
});
