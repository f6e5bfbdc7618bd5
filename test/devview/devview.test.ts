import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';
import { eventually } from '../helpers/eventually';
import { startPostgres, type PgServer } from '../helpers/postgres';
import { renderTree } from '../../agent/devview/tree';
import { validateDocument } from '../../converters/validate';
import type { SchemeDocument, SchemeEvent } from '../../converters/model';

const APP = 'test/fixtures/apps/express-app.cjs';

function allEvents(doc: SchemeDocument): SchemeEvent[] {
  const out: SchemeEvent[] = [];
  const stack = [...doc.events];
  while (stack.length) { const e = stack.pop()!; out.push(e); stack.push(...(e.nested ?? [])); }
  return out;
}

describe('dev tree view', () => {
  it('renders nested events with type, name, duration and success', () => {
    const doc: SchemeDocument = { id: 'ef95a542-25a3-4f71-a0e9-640c92f43813', version: 1, events: [{
      type: 'request', payload: { method: 'GET', uri: '/users/7', 'span.name': 'GET /users/:id' }, time: 1, duration: 32, success: true, nested: [
        { type: 'middleware', payload: { name: 'query' }, duration: 0 },
        { type: 'query', payload: { target: 'postgresql', query: 'SELECT  $1::int\n AS id' }, duration: 3, success: false, nested: [
          { type: 'log', payload: { message: 'exception', 'exception.message': 'boom' }, success: false }] },
        { type: 'response', payload: { 'http.response.status_code': 200 }, duration: 32 },
      ] }] };
    expect(renderTree(doc, 100)).toBe([
      '── GET /users/:id  trace ef95a542-25a3-4f71-a0e9-640c92f43813',
      'request GET /users/7  32 ms ✓',
      '├─ middleware query  0 ms',
      '├─ query postgresql: SELECT $1::int AS id  3 ms ✗',
      '│  └─ log exception: boom ✗',
      '└─ response 200  32 ms',
      '',
    ].join('\n'));
    expect(renderTree(doc, 2).trimEnd().split('\n').at(-1)).toBe('… 3 more events');
  });
});

describe('dev view and /_profile in a real app (express + pg under --require)', () => {
  let receiver: OtlpReceiver;
  let pg: PgServer | undefined;
  let pgUrl: string;
  const apps: RunningApp[] = [];
  const start = async (env: Record<string, string>) => {
    const app = await runApp(APP, { preload: 'require', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, TEST_PG_URL: pgUrl, OTEL_METRICS_EXPORTER: 'none', ...env } });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    pgUrl = process.env.TEST_PG_URL ?? '';
    if (!pgUrl) { pg = await startPostgres('devview'); pgUrl = pg.url; }
  }, 120_000);
  afterAll(async () => {
    for (const app of apps) await app.stop().catch(() => {});
    await receiver.close();
    await pg?.stop();
  });

  it('OTEL_COMPANION_DEV=1 prints each finished trace as a tree, the query under its request', async () => {
    const app = await start({ OTEL_COMPANION_DEV: '1' });
    await fetch(`${app.baseUrl}/users/7`).then((r) => r.text());
    await fetch(`${app.baseUrl}/fail`).then((r) => r.text());
    await eventually(() => `the /fail tree on stderr:\n${app.stderr()}`, () => app.stderr().includes('request GET /fail'));
    const err = app.stderr();
    expect(err).toMatch(/── GET \/users\/:id {2}trace [0-9a-f-]{36}\nrequest GET \/users\/7 {2}\d+ ms\n(.*\n)*?[├└]─ query postgresql: SELECT \$1::int AS id, current_database\(\) AS db {2}\d+ ms/);
    expect(err).toMatch(/request GET \/fail {2}\d+ ms ✗\n(.*\n)*?└─ response 500 {2}\d+ ms/);
  });

  it('serves each request\'s own document on /_profile, and nothing of other traces', async () => {
    const app = await start({ OTEL_COMPANION_PROFILE: '1' });
    const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
    const responses = await Promise.all(names.map(async (name) => {
      const r = await fetch(`${app.baseUrl}/${name === 'n3' ? 'users/3' : `hello/${name}`}`);
      await r.text();
      return { name, id: r.headers.get('x-http-debug-id'), api: r.headers.get('x-http-debug-api') };
    }));
    const ids = new Set<string>();
    for (const { name, id, api } of responses) {
      expect(api).toBe('/_profile/?id=');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      ids.add(id!);
      // The document is stored when the request's trace ends, just after the response.
      const r = await eventually(`the /_profile document of ${name}`, async () => {
        const res = await fetch(`${app.baseUrl}${api}${id}`);
        return res.status === 200 ? res : void (await res.text());
      });
      expect(r.headers.get('content-type')).toBe('application/json');
      const doc = await r.json() as SchemeDocument;
      expect(validateDocument(doc).issues).toEqual([]);
      expect(doc.id).toBe(id);
      const uris = allEvents(doc).filter((e) => e.type === 'request').map((e) => e.payload.uri);
      expect(uris).toEqual([name === 'n3' ? '/users/3' : `/hello/${name}`]);
      // No other request's values anywhere in the document.
      const text = JSON.stringify(doc);
      for (const other of names) if (other !== name && other !== 'n3') expect(text).not.toContain(`/hello/${other}"`);
      if (name === 'n3') expect(allEvents(doc).some((e) => e.type === 'query')).toBe(true);
    }
    expect(ids.size).toBe(20);
    expect((await fetch(`${app.baseUrl}/_profile/?id=ef95a542-25a3-4f71-a0e9-640c92f43813`)).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/_profile/?id=nope`)).status).toBe(400);
  });

  it('is off by default: no headers, /_profile belongs to the app', async () => {
    const app = await start({});
    const r = await fetch(`${app.baseUrl}/hello/x`);
    await r.text();
    expect(r.headers.get('x-http-debug-id')).toBeNull();
    const p = await fetch(`${app.baseUrl}/_profile/?id=ef95a542-25a3-4f71-a0e9-640c92f43813`);
    expect(p.status).toBe(404);
    expect(await p.text()).toContain('Cannot GET'); // Express's own 404
  });

  it('answers 403 under NODE_ENV=production without a token, and with a token only to those presenting it', async () => {
    const prod = await start({ OTEL_COMPANION_PROFILE: '1', NODE_ENV: 'production' });
    const r1 = await fetch(`${prod.baseUrl}/hello/p`);
    await r1.text();
    expect((await fetch(`${prod.baseUrl}/_profile/?id=${r1.headers.get('x-http-debug-id')}`)).status).toBe(403);

    const tok = await start({ OTEL_COMPANION_PROFILE: '1', NODE_ENV: 'production', OTEL_COMPANION_PROFILE_TOKEN: 's3cret-token' });
    const r2 = await fetch(`${tok.baseUrl}/hello/t`);
    await r2.text();
    const id = r2.headers.get('x-http-debug-id');
    // Once the document is there for the right token, the others are refused it.
    await eventually('the document, for the right token', async () => {
      const res = await fetch(`${tok.baseUrl}/_profile/?id=${id}`, { headers: { 'x-http-debug-token': 's3cret-token' } });
      return res.status === 200;
    });
    expect((await fetch(`${tok.baseUrl}/_profile/?id=${id}`)).status).toBe(403);
    expect((await fetch(`${tok.baseUrl}/_profile/?id=${id}`, { headers: { 'x-http-debug-token': 'wrong' } })).status).toBe(403);
    expect((await fetch(`${tok.baseUrl}/_profile/?id=${id}`, { headers: { 'x-http-debug-token': 's3cret-token' } })).status).toBe(200);
    expect((await fetch(`${tok.baseUrl}/_profile/?id=${id}`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    // Never in the query string: it would end up in access logs.
    const inUrl = await fetch(`${tok.baseUrl}/_profile/?id=${id}&token=s3cret-token`);
    expect(inUrl.status).toBe(403);
    expect(await inUrl.text()).toMatch(/header only/);
  });
});
