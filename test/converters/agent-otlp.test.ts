import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { REPO_ROOT, runApp, type RunningApp } from '../helpers/run-app';
import { startPostgres, type PgServer } from '../helpers/postgres';
import { otlpToScheme } from '../../converters/otlp-to-scheme';
import { schemeToOtlp } from '../../converters/scheme-to-otlp';
import { decodeOtlpProtobuf } from '../../converters/otlp-protobuf';
import { validateDocument } from '../../converters/validate';
import type { ExportTraceServiceRequest, OtlpResourceSpans } from '../../converters/otlp-types';
import { roundTripDifferences } from './otlp-compare';

/**
 * OTLP produced by the real agent (express + pg fixture app under --require) through the
 * converters. Set CAPTURE_FIXTURE=1 to refresh test/fixtures/scheme/agent-otlp.json.
 */
describe('OTLP from the real agent', () => {
  let receiver: OtlpReceiver;
  let app: RunningApp | undefined;
  let pg: PgServer | undefined;
  let request: ExportTraceServiceRequest;

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist/agent/bootstrap/register.js'))) throw new Error('dist/agent/bootstrap/register.js is missing: run `npm run build` first');
    receiver = await startOtlpReceiver();
    let pgUrl = process.env.TEST_PG_URL;
    if (!pgUrl) { pg = await startPostgres('converters'); pgUrl = pg.url; }
    app = await runApp('test/fixtures/apps/express-app.cjs', {
      preload: 'require',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'converters-fixture', TEST_PG_URL: pgUrl, OTEL_COMPANION_EXPRESS_LAYER_SPANS: 'true' },
    });
    for (const path of ['/hello/world', '/users/7', '/fail', '/outbound', '/api/v1/items/3']) await fetch(app.baseUrl + path).then((r) => r.arrayBuffer());
    await receiver.waitFor(() => receiver.spans().filter((s) => s.kind === 2).length >= 6, 20_000, 'server spans of 5 requests');
    // The app's shutdown flushes every ended span (the layer and pg spans of the last requests too).
    await app.stop();
    const resourceSpans: OtlpResourceSpans[] = [];
    for (const r of receiver.requests.traces) resourceSpans.push(...((r as ExportTraceServiceRequest).resourceSpans ?? []));
    request = { resourceSpans };
    if (process.env.CAPTURE_FIXTURE === '1') writeFileSync(join(REPO_ROOT, 'test/fixtures/scheme/agent-otlp.json'), JSON.stringify(request, null, 1) + '\n');
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
    await pg?.stop();
  });

  it('decodes the agent\'s protobuf bodies to the same documents as protobufjs does', () => {
    // rawBodies holds every signal's body; the trace ones are those that decode to spans.
    const mine = receiver.rawBodies.map((body) => {
      try { return JSON.stringify(otlpToScheme(decodeOtlpProtobuf(body)).documents); } catch { return undefined; }
    });
    let compared = 0;
    for (const req of receiver.requests.traces) {
      const theirs = JSON.stringify(otlpToScheme(req).documents);
      expect(mine).toContain(theirs);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('gives one valid document per trace, with requests, queries and nested events', () => {
    const { documents, issues, spanCount } = otlpToScheme(request);
    expect(issues).toEqual([]);
    expect(spanCount).toBeGreaterThan(10);
    for (const doc of documents) expect(validateDocument(doc).issues).toEqual([]);
    const users = documents.find((d) => d.events.some((e) => e.type === 'request' && e.payload.uri === '/users/7'))!;
    expect(users).toBeDefined();
    const req = users.events[0];
    expect(req.payload.method).toBe('GET');
    expect(req.tags).toContain('service.name:converters-fixture');
    const stack = [...(req.nested ?? [])];
    const types = new Set<string>();
    while (stack.length) { const e = stack.pop()!; types.add(e.type); stack.push(...(e.nested ?? [])); }
    expect(types).toContain('query');
    expect(types).toContain('response');
    const fail = documents.find((d) => d.events.some((e) => e.payload.uri === '/fail'))!;
    const response = fail.events[0].nested!.at(-1)!;
    expect(response).toMatchObject({ type: 'response', payload: { 'http.response.status_code': 500 } });
  });

  it('keeps trace ids, span counts, parents, names, kinds, ms times, status and attributes through OTLP → scheme → OTLP', () => {
    const { documents } = otlpToScheme(request);
    const back = schemeToOtlp(documents);
    expect(back.issues).toEqual([]);
    expect(roundTripDifferences(request, JSON.parse(JSON.stringify(back.request)))).toEqual([]);
  });
});
