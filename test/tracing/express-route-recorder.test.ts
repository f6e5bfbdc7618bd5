/* eslint-disable @typescript-eslint/no-explicit-any -- Express 4 and 5 are loaded at run time through require: their apps, requests and layers are untyped here */
import * as http from 'node:http';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { ExpressRouteInstrumentation } from '../../agent/tracing/express-route';
import { REPO_ROOT } from '../helpers/run-app';

// The route recorder in this process, on real Express 4 and 5, with a plain node:http server that
// puts HTTP RPC metadata in the context of each request (what a server span owner does) and
// reads the route when the response finishes. The child-process tests in express-routes.test.ts
// cover the agent end to end; these cover the edges of Express routing and what the recorder
// leaves alone.

type Express = any;

const instrumentation = new ExpressRouteInstrumentation();
// Loaded after the instrumentation, through Node's require, so its module hook patches them.
const requireFrom = (dir: string) => createRequire(path.join(REPO_ROOT, dir, 'index.js'));
const expresses = ['.', 'test/fixtures/express4'].map((dir) => {
  const req = requireFrom(dir);
  return { major: Number((req('express/package.json') as { version: string }).version.split('.')[0]), express: req('express') as Express };
});

interface Served { routes: Array<string | undefined>; requests: http.IncomingMessage[]; url: string; close(): Promise<void> }

async function serve(app: Express, { traced = true } = {}): Promise<Served> {
  const routes: Array<string | undefined> = [];
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    if (!traced) return app(req, res);
    const rpc: RPCMetadata = { type: RPCType.HTTP, span: undefined as never };
    res.on('finish', () => routes.push(rpc.route));
    context.with(setRPCMetadata(ROOT_CONTEXT, rpc), () => app(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    routes, requests,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The route recorded for each request, in order. */
async function routesOf(app: Express, requests: Array<string | [string, string]>): Promise<Array<string | null>> {
  const served = await serve(app);
  try {
    for (const r of requests) {
      const [method, p] = typeof r === 'string' ? ['GET', r] : r;
      await (await fetch(served.url + p, { method })).arrayBuffer();
    }
    const deadline = Date.now() + 5_000;
    while (served.routes.length < requests.length) {
      if (Date.now() > deadline) throw new Error(`${served.routes.length} of ${requests.length} responses finished`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return served.routes.map((r) => r ?? null);
  } finally {
    await served.close();
  }
}

const ok = (req: any, res: any) => res.send('ok');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

it('runs on Express 5 and Express 4', () => {
  expect(expresses.map((e) => e.major)).toEqual([5, 4]);
});

describe.each(expresses)('Express $major', ({ major, express }) => {
  it('leaves middleware mounted without a path, and error handlers, unwrapped', () => {
    const app = express();
    const plain = (req: any, res: any, next: any) => next();
    const onError = (err: any, req: any, res: any, next: any) => next(err);
    const pathed = (req: any, res: any, next: any) => next();
    app.use(plain);
    app.use('/x', onError);
    app.use('/y', pathed);
    const stack = (major === 5 ? app.router : app._router).stack as Array<{ handle: unknown }>;
    const handles = stack.map((l) => l.handle);
    expect(handles).toContain(plain);
    expect(handles).toContain(onError);
    expect(handles).not.toContain(pathed); // wrapped: a path to record
  });

  it('keeps a mounted router visible through its wrapped handle', () => {
    const app = express();
    const router = express.Router();
    router.get('/leaf', ok);
    app.use('/mounted', router);
    const stack = (major === 5 ? app.router : app._router).stack as Array<{ handle: any }>;
    const mounted = stack[stack.length - 1].handle;
    expect(mounted).not.toBe(router);
    expect(mounted.stack).toBe(router.stack);
    if (major === 5) expect(mounted.listRoutes().map((r: { path: string }) => r.path)).toEqual(['/leaf']);
  });

  it('records nothing for a request without HTTP RPC metadata', async () => {
    const app = express();
    const router = express.Router();
    router.get('/:id', ok);
    app.use('/items', router);
    const served = await serve(app, { traced: false });
    try {
      await (await fetch(`${served.url}/items/1`)).arrayBuffer();
      expect(served.requests).toHaveLength(1);
      expect(Object.getOwnPropertySymbols(served.requests[0]).map(String).filter((s) => s.includes('otel-companion'))).toEqual([]);
    } finally {
      await served.close();
    }
    // The same app, traced: the recorder does run (so the check above is not vacuous).
    expect(await routesOf(app, ['/items/1'])).toEqual(['/items/:id']);
  });

  it('follows next("route"), next("router"), HEAD and the automatic OPTIONS answer', async () => {
    const app = express();
    app.get('/user/:id', (req: any, res: any, next: any) => (req.params.id === 'me' ? next('route') : ok(req, res)));
    app.get('/user/me', ok);
    const early = express.Router();
    early.get('/:any', (req: any, res: any, next: any) => next('router'));
    app.use('/r', early);
    app.get('/r/:rest', ok);
    expect(await routesOf(app, ['/user/7', '/user/me', '/r/x', ['HEAD', '/user/7'], ['OPTIONS', '/user/7']]))
      .toEqual(['/user/:id', '/user/me', '/r/:rest', '/user/:id', null]);
  });

  it('gives the right chain for one router mounted at two paths, in turn', async () => {
    const app = express();
    const router = express.Router();
    router.get('/:id', ok);
    app.use('/a', router);
    app.use('/b/:tenant', router);
    expect(await routesOf(app, ['/a/1', '/b/t/2', '/a/3', '/b/u/4']))
      .toEqual(['/a/:id', '/b/:tenant/:id', '/a/:id', '/b/:tenant/:id']);
  });

  it('drops a mount whose middleware threw, once an error handler recovers', async () => {
    const app = express();
    app.use('/a', () => { throw new Error('thrown in a mount'); });
    app.use((err: any, req: any, res: any, next: any) => next());
    app.get('/a/:x', ok);
    expect(await routesOf(app, ['/a/1'])).toEqual(['/a/:x']);
  });

  it('matches path array elements with the router options (case, strict)', async () => {
    const app = express();
    const sensitive = express.Router({ caseSensitive: true, strict: true });
    sensitive.get(['/Upper/', '/upper/'], ok);
    app.use('/s', sensitive);
    expect(await routesOf(app, ['/s/upper/', '/s/Upper/'])).toEqual(['/s/upper/', '/s/Upper/']);
  });

  it('nests apps in apps, with router.param and mergeParams', async () => {
    const app = express();
    const outer = express();
    const inner = express.Router({ mergeParams: true });
    inner.param('id', (req: any, res: any, next: any) => next());
    inner.get('/:id', ok);
    outer.use('/inner/:group', inner);
    app.use('/outer', outer);
    expect(await routesOf(app, ['/outer/inner/g/5'])).toEqual(['/outer/inner/:group/:id']);
  });

  it('stops recording when disabled, and records again when enabled', async () => {
    const app = express();
    app.get('/on/:x', ok);
    instrumentation.disable();
    try {
      expect(await routesOf(app, ['/on/1'])).toEqual([null]);
    } finally {
      instrumentation.enable();
    }
    const later = express();
    later.get('/again/:x', ok);
    expect(await routesOf(app, ['/on/2'])).toEqual(['/on/:x']);
    expect(await routesOf(later, ['/again/2'])).toEqual(['/again/:x']);
  });
});
