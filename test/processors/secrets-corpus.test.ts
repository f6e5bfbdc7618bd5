import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp } from '../helpers/run-app';
import { getPgUrl } from '../helpers/postgres';
import { CORPUS_APP_ENV, SECRETS_APP, corpus, corpusArgs, drive, found } from './corpus-driver';

/**
 * The proof behind "nothing sensitive leaves the process": a real Express + pg app under the agent
 * leaks every secret of the corpus where apps leak them, and not one of them may appear in the
 * raw bytes of any OTLP request (traces, metrics, logs). A control run with redaction off must show
 * every secret, or the placement did not reach the exporter and the first run proves nothing.
 */
interface RunResult {
  haystack: Buffer;
  receiver: OtlpReceiver;
  stderr: string;
}

async function runCorpus(redaction: boolean): Promise<RunResult> {
  const receiver = await startOtlpReceiver();
  const app = await runApp(SECRETS_APP, {
    startTimeoutMs: 60_000,
    args: corpusArgs(),
    env: { ...CORPUS_APP_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, TEST_PG_URL: getPgUrl(), OTEL_COMPANION_REDACTION: String(redaction) },
  });
  try {
    for (const e of corpus.entries) await drive(app.baseUrl, e);
    // Metrics are exported every second (runApp sets OTEL_METRIC_EXPORT_INTERVAL): wait for one.
    await receiver.waitFor(() => receiver.metricPoints().some((m) => m.name === 'http.server.request.duration'), 30_000, 'http metrics');
  } finally {
    await app.stop('SIGTERM');
  }
  await receiver.waitFor(() => receiver.logs().length > 0 && receiver.spans().length > 0, 30_000, 'spans and logs');
  const stderr = app.stderr();
  await receiver.close();
  return { haystack: Buffer.concat(receiver.rawBodies), receiver, stderr };
}

describe('secrets corpus through a real Express + pg app under the agent', () => {
  let redacted: RunResult;
  let control: RunResult;

  beforeAll(async () => {
    redacted = await runCorpus(true);
    control = await runCorpus(false);
  }, 300_000);

  afterAll(() => undefined);

  it('the corpus has at least 30 kinds of secret, each value unique', () => {
    const kinds = new Set(corpus.entries.map((e) => e.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.entries.map((e) => e.value)).size).toBe(corpus.entries.length);
    const placements = new Set(corpus.entries.map((e) => e.placement));
    for (const p of ['query', 'header', 'set-cookie', 'json-body', 'sql', 'pg-param', 'log-message', 'log-field', 'event-meta', 'exception', 'route', 'span-name', 'argv']) {
      expect(placements, p).toContain(p);
    }
  });

  it('control run (redaction off): every secret reaches the exported bytes, so the check below can fail', () => {
    const missing = corpus.entries.filter((e) => found(control.haystack, e).length === 0).map((e) => `${e.id} (${e.placement})`);
    expect(missing, 'placements that never reached the exporter').toEqual([]);
    expect(control.stderr).toContain('redaction is OFF');
  });

  it('redacted run: no secret appears anywhere in spans, events, logs or metrics (raw OTLP bytes)', () => {
    const leaks = corpus.entries
      .map((e) => ({ e, hits: found(redacted.haystack, e) }))
      .filter((x) => x.hits.length > 0)
      .map((x) => `${x.e.id} (${x.e.placement}): ${x.hits[0]!.slice(0, 60)}`);
    expect(leaks, 'secrets found in exported telemetry').toEqual([]);
  });

  it('the redacted run exported all three signals and kept the telemetry useful', () => {
    const r = redacted.receiver;
    expect(r.requests.traces.length).toBeGreaterThan(0);
    expect(r.requests.logs.length).toBeGreaterThan(0);
    expect(r.requests.metrics.length).toBeGreaterThan(0);
    const spans = r.spans();
    // Enrichment still works next to redaction: x-tenant-id became tenant.id.
    expect(spans.some((s) => s.attributes['tenant.id'] === 'acme')).toBe(true);
    // Masks are visible where values were removed, and SQL keeps its shape.
    const sql = spans.map((s) => s.attributes['db.query.text']).filter((t): t is string => typeof t === 'string');
    expect(sql).toContain('SELECT id FROM secrets_corpus_users WHERE api_token = ?');
    expect(sql).toContain('SELECT id FROM secrets_corpus_users WHERE otp IN (?)');
    expect(spans.some((s) => s.attributes['http.request.header.authorization'] === '[REDACTED]')).toBe(true);
    // E-mails keep their domain for debugging.
    expect(redacted.haystack.includes(Buffer.from('***%40example.org'))).toBe(true);
    // The filtered /health route is not traced (default ignore list) — nothing to see, but no crash either.
    expect(redacted.stderr).not.toMatch(/redaction failed/);
  });
});
