import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { toProtobuf } from './protobuf-encode';
import { startBridge, type Bridge } from '../../converters/bridge/server';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { otlpToScheme } from '../../converters/otlp-to-scheme';
import type { ExportTraceServiceRequest } from '../../converters/otlp-types';

const ROOT = join(__dirname, '../..');
const example = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/scheme/scheme_v1.json'), 'utf8'));
const agentOtlp = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/scheme/agent-otlp.json'), 'utf8')) as ExportTraceServiceRequest;

describe('otel-companion bridge', () => {
  let bridge: Bridge;
  let collector: OtlpReceiver;
  beforeAll(async () => {
    collector = await startOtlpReceiver();
    bridge = await startBridge({ port: 0, host: '127.0.0.1', forwardUrl: collector.url, maxBodyBytes: 1 << 20, maxDocuments: 50, ttlMs: 600_000 });
  });
  afterAll(async () => { await bridge.close(); await collector.close(); });

  it('turns OTLP/JSON traces on /v1/traces into documents on /_profile/?id=', async () => {
    const r = await fetch(`${bridge.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(agentOtlp) });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({});
    const expected = otlpToScheme(agentOtlp).documents;
    for (const doc of expected) {
      const p = await fetch(`${bridge.url}/_profile/?id=${doc.id}`);
      expect(p.status).toBe(200);
      expect(await p.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    }
  });

  it('accepts OTLP/protobuf (gzip too), and a trace split over several batches', async () => {
    const spans = agentOtlp.resourceSpans![0].scopeSpans!.flatMap((s) => s.spans!);
    const traceId = spans[0].traceId;
    const mine = spans.filter((s) => s.traceId === traceId);
    const halves = [mine.slice(0, 1), mine.slice(1)].map((list) => ({ resourceSpans: [{ resource: agentOtlp.resourceSpans![0].resource, scopeSpans: [{ spans: list }] }] }));
    const b2 = await startBridge({ port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20, maxDocuments: 10, ttlMs: 60_000 });
    try {
      for (const [i, half] of halves.entries()) {
        const body = toProtobuf(half);
        const r = await fetch(`${b2.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...(i ? { 'content-encoding': 'gzip' } : {}) }, body: i ? gzipSync(body) : body });
        expect(r.status).toBe(200);
      }
      const whole = otlpToScheme({ resourceSpans: halves.flatMap((h) => h.resourceSpans) }).documents[0];
      const p = await fetch(`${b2.url}/_profile/?id=${whole.id}`);
      expect(await p.json()).toEqual(JSON.parse(JSON.stringify(whole)));
    } finally { await b2.close(); }
  });

  it('validates POST /v1/scheme, converts it and forwards OTLP to the collector', async () => {
    const r = await fetch(`${bridge.url}/v1/scheme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example) });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ documents: 1, spans: 2, ids: [example.uuid], forwarded: true });
    await collector.waitFor(() => collector.spans().length >= 2, 5000, 'forwarded spans');
    expect(collector.spans().map((s) => s.traceId)).toContain('ef95a54225a34f71a0e9640c92f43813');
    const p = await fetch(`${bridge.url}/_profile/?id=${example.uuid}`);
    expect(((await p.json()) as { events: unknown }).events).toEqual(example.events);
  });

  it('answers 400 with the JSON path on invalid input, 413 over the size limit, 404 when unknown', async () => {
    const bad = JSON.parse(JSON.stringify(example));
    bad.events[1].nested[0].importance = 12;
    const r = await fetch(`${bridge.url}/v1/scheme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bad) });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'invalid scheme document', issues: [{ path: '/events/1/nested/0/importance', message: 'must be integer 1..8' }] });
    const m = await fetch(`${bridge.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[' });
    expect(m.status).toBe(400);
    expect(((await m.json()) as { error: string }).error).toMatch(/^malformed JSON/);
    const t = await fetch(`${bridge.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'x', spanId: 'y' }] }] }] }) });
    expect(t.status).toBe(400);
    expect(((await t.json()) as { issues: Array<{ path: string }> }).issues[0].path).toBe('/resourceSpans/0/scopeSpans/0/spans/0/traceId');
    const big = await fetch(`${bridge.url}/v1/scheme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 << 20) }).catch((e) => e);
    if (!(big instanceof Error)) expect(big.status).toBe(413);
    expect((await fetch(`${bridge.url}/_profile/?id=00000000-0000-4000-8000-000000000001`)).status).toBe(404);
    expect((await fetch(`${bridge.url}/nope`)).status).toBe(404);
  });

  it('keeps memory bounded: the oldest traces are evicted past maxDocuments', async () => {
    const b3 = await startBridge({ port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20, maxDocuments: 3, ttlMs: 60_000 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const doc = { ...example, uuid: `ef95a542-25a3-4f71-a0e9-64000000000${i}` };
        ids.push(doc.uuid);
        await fetch(`${b3.url}/v1/scheme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
      }
      const statuses = await Promise.all(ids.map((id) => fetch(`${b3.url}/_profile/?id=${id}`).then((r) => r.status)));
      expect(statuses).toEqual([404, 404, 200, 200, 200]);
    } finally { await b3.close(); }
  });
});
