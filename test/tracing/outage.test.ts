/**
 * An outage of the collector under load, as a user would see it: an Express app under the agent
 * with 20 connections of traffic, the collector refusing connections for 30 s, then back.
 * - the app is unaffected (no failed request);
 * - stderr gets one line per signal when export starts failing and one when it recovers, and
 *   nothing else (no per-export errors, no "Dropped N spans" lines);
 * - the recovered line's count of dropped spans is exact: what the app sent minus what arrived;
 * - the same count reaches the collector as otel_companion.dropped once export works again.
 */
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';
import { eventually } from '../stack/stack-binaries';

const OUTAGE_MS = 30_000;

describe('a 30 s collector outage under load', { timeout: 180_000 }, () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;
  let load: { requests: number; errors: number; non2xx: number };
  let stderrAtRecovery = '';

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp('test/fixtures/apps/counting-app.cjs', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'outage-test', OTEL_LOGS_EXPORTER: 'none' },
    });
    const run = autocannon({ url: `${app.baseUrl}/work`, connections: 20, duration: (OUTAGE_MS + 12_000) / 1000 });
    await eventually('spans before the outage', async () => (receiver.spanCount() > 100 ? true : undefined), 20_000, 100);
    await receiver.down();
    await eventually('the failing line', async () => (/spans export .* is failing/.test(app.stderr()) ? true : undefined), 20_000, 100);
    await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage itself: its length is the point of the test
    await receiver.up();
    await eventually('the recovered line for spans', async () => (/spans export .* recovered/.test(app.stderr()) ? true : undefined), 30_000, 100);
    stderrAtRecovery = app.stderr();
    const result = await run;
    load = { requests: result.requests.total, errors: result.errors, non2xx: result.non2xx };
  }, 150_000);

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('keeps the app serving: no failed request', () => {
    expect(load.requests).toBeGreaterThan(1000);
    expect(load.errors).toBe(0);
    expect(load.non2xx).toBe(0);
  });

  it('prints one line per signal when the outage starts and one when it ends, and nothing else', async () => {
    await eventually('the recovered line for metric points', async () => (/metric points export .* recovered/.test(app.stderr()) ? true : undefined), 30_000, 100);
    const lines = app.stderr().trim().split('\n');
    // The cause is whichever came first: the refused export (once its retries ran out) or the queue filling meanwhile.
    expect(lines.filter((l) => /^otel-companion warn: spans export to .* is failing \((ECONNREFUSED|the queue is full: .*)\)/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^otel-companion warn: spans export to .* recovered after [\d.]+ s; [\d,]+ spans were dropped/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^otel-companion warn: metric points export to .* is failing/.test(l)), app.stderr()).toHaveLength(1);
    expect(lines.filter((l) => /^otel-companion warn: metric points export to .* recovered after/.test(l))).toHaveLength(1);
    expect(lines, app.stderr()).toHaveLength(4);
    expect(stderrAtRecovery).not.toMatch(/Dropped \d+ spans|timed out|PeriodicExportingMetricReader/);
  });

  it('reports exactly the spans that never arrived', async () => {
    const line = app.stderr().match(/spans export to .* recovered after [\d.]+ s; ([\d,]+) spans were dropped while it failed \(([\d,]+) refused by the full queue, ([\d,]+) in failed exports\)/);
    expect(line, app.stderr()).not.toBeNull();
    const [reported, queueFull, failed] = line!.slice(1, 4).map((n) => Number(n.replace(/,/g, '')));
    expect(reported).toBe(queueFull + failed);
    expect(queueFull).toBeGreaterThan(0); // 30 s of load overflows the bounded queue
    const { served } = (await (await fetch(`${app.baseUrl}/health`)).json()) as { served: number };
    expect(served).toBeGreaterThanOrEqual(load.requests); // responses still in flight when the load stopped are not in its count
    // The backlog still drains after the recovered line; once it has, every span is accounted for.
    await eventually('every span either arrived or reported dropped', async () => {
      const arrived = receiver.spanCount();
      if (arrived + reported === served) return true;
      if (arrived + reported > served) throw new Error(`more spans arrived (${arrived}) than were served (${served}) minus reported (${reported})`);
      return undefined;
    }, 30_000, 250);
  });

  it('exports the same count as otel_companion.dropped once export works again', async () => {
    const line = app.stderr().match(/spans export to .* recovered .*\(([\d,]+) refused by the full queue, ([\d,]+) in failed exports\)/)!;
    const [queueFull, failed] = line.slice(1, 3).map((n) => Number(n.replace(/,/g, '')));
    const latest = (reason: string) => {
      const points = receiver.metricPoints().filter((p) => p.name === 'otel_companion.dropped' && p.attributes.signal === 'traces' && p.attributes.reason === reason);
      return points.at(-1)?.value;
    };
    await eventually('otel_companion.dropped for spans', async () => (latest('queue_full') === queueFull && (latest('export_failed') ?? 0) === failed ? true : undefined), 20_000, 250);
  });
});
