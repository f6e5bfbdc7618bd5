import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type FlatSpan, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';
import { getPgUrl } from '../helpers/postgres';
import { eventually } from '../helpers/eventually';
import { expressVariants } from '../helpers/express-variants';
import {
  ATTR_HTTP_ROUTE, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_DB_SYSTEM_NAME, ATTR_DB_OPERATION_NAME, ATTR_DB_NAMESPACE, ATTR_DB_QUERY_TEXT,
} from '@opentelemetry/semantic-conventions';

const SERVER = 2; // SPAN_KIND_SERVER in OTLP (the JS API enum is offset by one)
const CLIENT = 3;

describe.each(expressVariants)('$name', ({ script, preload, filesRoute }) => {
  let receiver: OtlpReceiver;
  let app: RunningApp;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp(script, {
      preload,
      env: { TEST_PG_URL: getPgUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'fixture-app' },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  async function traceOf(path: string, init?: RequestInit): Promise<{ res: Response; spans: FlatSpan[]; server: FlatSpan }> {
    const res = await fetch(app.baseUrl + path, init);
    await res.arrayBuffer();
    let server: FlatSpan | undefined;
    await receiver.waitFor(() => {
      server = receiver.spans().find((s) => s.kind === SERVER && s.attributes['url.path'] === path);
      return server !== undefined;
    }, 15_000, `server span for ${path}`);
    // Children end before the server span, so they were exported in the same or an earlier batch.
    const spans = receiver.spans().filter((s) => s.traceId === server!.traceId);
    return { res, spans, server: server! };
  }

  it('names the server span by route and records http.route', async () => {
    const { server } = await traceOf('/hello/world');
    expect(server.name).toBe('GET /hello/:name');
    expect(server.attributes[ATTR_HTTP_ROUTE]).toBe('/hello/:name');
    expect(server.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
    expect(server.resource['service.name']).toBe('fixture-app');
    expect(server.resource['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records the route of nested routers and wildcards', async () => {
    const nested = await traceOf('/api/v1/items/42');
    expect(nested.server.attributes[ATTR_HTTP_ROUTE]).toBe('/api/v1/items/:itemId');
    const wildcard = await traceOf('/files/a/b/c.txt');
    expect(wildcard.server.attributes[ATTR_HTTP_ROUTE]).toBe(filesRoute);
  });

  it('creates no span per Express layer by default', async () => {
    const { spans } = await traceOf('/hello/layers');
    expect(spans.filter((s) => s.scope.includes('express'))).toEqual([]);
    expect(spans).toHaveLength(1);
  });

  it('traces pg queries under the request with stable db attributes', async () => {
    const { spans, server } = await traceOf('/users/7');
    const query = spans.find((s) => s.kind === CLIENT && s.attributes[ATTR_DB_SYSTEM_NAME] === 'postgresql' && s.attributes[ATTR_DB_QUERY_TEXT]);
    expect(query, JSON.stringify(spans.map((s) => [s.name, s.attributes]))).toBeDefined();
    expect(query!.attributes[ATTR_DB_OPERATION_NAME]).toBe('SELECT');
    expect(query!.attributes[ATTR_DB_NAMESPACE]).toBe('postgres');
    expect(query!.attributes[ATTR_DB_QUERY_TEXT]).toContain('SELECT $1::int');
    // The query is a descendant of the server span.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    let cur: FlatSpan | undefined = query;
    while (cur && cur.spanId !== server.spanId) cur = cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined;
    expect(cur?.spanId).toBe(server.spanId);
  });

  it('traces a pool connect that opens a connection, with pg.connect under it', async () => {
    const { spans, server } = await traceOf('/pool/fresh');
    const poolConnect = spans.find((s) => s.name === 'pg-pool.connect');
    const connect = spans.find((s) => s.name === 'pg.connect');
    expect(poolConnect?.parentSpanId, JSON.stringify(spans.map((s) => s.name))).toBe(server.spanId);
    expect(connect?.parentSpanId).toBe(poolConnect?.spanId);
  });

  it('marks a thrown error as a 500 with ERROR status', async () => {
    const { res, server } = await traceOf('/fail');
    expect(res.status).toBe(500);
    expect(server.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(500);
    expect(server.status.code).toBe(2);
  });

  it('propagates trace context and baggage on outgoing calls', async () => {
    const res = await fetch(`${app.baseUrl}/outbound`, {
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    const body = (await res.json()) as { downstream: { traceparent: string; baggage: string } };
    expect(body.downstream.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(body.downstream.baggage).toContain('tenant.id=acme');
    await receiver.waitFor(() => receiver.spans().filter((s) => s.traceId === '0af7651916cd43dd8448eb211c80319c').length >= 3, 15_000, 'outbound trace');
    const spans = receiver.spans().filter((s) => s.traceId === '0af7651916cd43dd8448eb211c80319c');
    const inbound = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/outbound')!;
    expect(inbound.parentSpanId).toBe('b7ad6b7169203331');
    const client = spans.find((s) => s.kind === CLIENT && s.parentSpanId === inbound.spanId)!;
    expect(client).toBeDefined();
    const downstream = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/hello/outbound')!;
    expect(downstream.parentSpanId).toBe(client.spanId);
  });
});

describe('OTEL_COMPANION_EXPRESS_LAYER_SPANS=true', () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp('test/fixtures/apps/express-app.cjs', {
      env: { TEST_PG_URL: getPgUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_COMPANION_EXPRESS_LAYER_SPANS: 'true' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('turns on one span per middleware and request handler, under the server span', async () => {
    await (await fetch(`${app.baseUrl}/hello/layers`)).text();
    const server = await eventually('the server span', () => receiver.spans().find((s) => s.kind === SERVER), 15_000);
    const layerSpans = () => receiver.spans().filter((s) => s.traceId === server.traceId && s.scope.includes('express'));
    const layers = await eventually(() => `the middleware and handler spans, got ${JSON.stringify(layerSpans().map((s) => s.name))}`, () => {
      const found = layerSpans();
      return ['middleware - jsonParser', 'request handler'].every((n) => found.some((s) => s.name === n)) && found;
    });
    expect(layers.length).toBeGreaterThanOrEqual(2);
    expect(layers.map((s) => s.name), JSON.stringify(layers.map((s) => s.name))).toEqual(expect.arrayContaining(['middleware - jsonParser', 'request handler']));
    expect(server.attributes[ATTR_HTTP_ROUTE]).toBe('/hello/:name');
  });
});
