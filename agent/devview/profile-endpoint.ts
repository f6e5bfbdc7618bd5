import type * as http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { ProfileStore } from '../../converters/profile-store';
import { isUuid, traceIdToUuid, uuidToTraceId } from '../../converters/ids';
import { agentLog } from '../runtime/agent-log';

/**
 * The Web Debug Protocol "headers + API" transport, server side:
 * - a traced response gets `X-Http-Debug-Id: <trace uuid>` and `X-Http-Debug-Api: <path>?id=`;
 * - `GET <path>?id=<uuid>` answers 200 with that request's document, 404 when unknown or expired,
 *   403 when not allowed (NODE_ENV=production without a token, or a wrong/missing token).
 * Hooked without the app's cooperation: http(s).createServer is wrapped so each server's `emit`
 * answers the profile path itself (the app never sees it, no span is made for it) and runs a
 * first 'request' listener inside the http instrumentation's server span to set the headers.
 */
export const HEADER_ID = 'X-Http-Debug-Id';
export const HEADER_API = 'X-Http-Debug-Api';
const TOKEN_HEADER = 'x-http-debug-token';

export interface ProfileEndpointOptions {
  path: string;
  token: string | undefined;
  production: boolean;
  store: ProfileStore<string>;
}

/**
 * The token from a header only: a token in the query string would end up in access logs, proxy
 * logs and browser history, so it is never accepted there.
 */
function presentedToken(req: http.IncomingMessage): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function answer(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export function handleProfileRequest(opts: ProfileEndpointOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://profile');
  if (req.method !== 'GET' && req.method !== 'HEAD') { answer(res, 405, 'only GET\n'); return; }
  if (opts.token !== undefined) {
    const given = presentedToken(req);
    if (given === undefined || !sameSecret(given, opts.token)) {
      answer(res, 403, url.searchParams.has('token')
        ? 'forbidden: the profile token is accepted in a header only (X-Http-Debug-Token or Authorization: Bearer), never in the URL\n'
        : 'forbidden: present the profile token in the X-Http-Debug-Token or Authorization: Bearer header\n');
      return;
    }
  } else if (opts.production) {
    answer(res, 403, 'forbidden: /_profile is off under NODE_ENV=production unless OTEL_COMPANION_PROFILE_TOKEN is set\n');
    return;
  }
  const id = url.searchParams.get('id') ?? '';
  if (!isUuid(id)) { answer(res, 400, 'id must be a UUID (the X-Http-Debug-Id of a response)\n'); return; }
  const doc = opts.store.get(uuidToTraceId(id));
  if (doc === undefined) { answer(res, 404, 'no profile with this id (unknown, or older than its TTL)\n'); return; }
  answer(res, 200, doc, 'application/json');
}

function isProfilePath(url: string | undefined, path: string): boolean {
  if (!url) return false;
  const bare = path.slice(0, -1);
  return url.startsWith(path) || url === bare || url.startsWith(bare + '?');
}

const wrapped = new WeakSet<object>();

function instrumentServer(server: http.Server, opts: ProfileEndpointOptions): void {
  if (wrapped.has(server)) return;
  wrapped.add(server);
  const api = `${opts.path}?id=`;
  // Runs inside the server span's context (listeners are called by the instrumented emit).
  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      const span = trace.getActiveSpan();
      if (!span || !span.isRecording() || res.headersSent) return;
      res.setHeader(HEADER_ID, traceIdToUuid(span.spanContext().traceId));
      res.setHeader(HEADER_API, api);
    } catch (err) {
      agentLog.debug('devview: headers not set:', (err as Error).message);
    }
  });
  const emit = server.emit;
  server.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const req = args[0] as http.IncomingMessage, res = args[1] as http.ServerResponse;
      if (isProfilePath(req.url, opts.path)) {
        try { handleProfileRequest(opts, req, res); } catch (err) {
          agentLog.warn('devview: /_profile failed:', (err as Error).message);
          if (!res.headersSent) answer(res, 500, 'profile error\n');
        }
        return true;
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof server.emit;
}

/**
 * Wraps http.createServer and https.createServer so every server the app creates gets the
 * transport. Returns a function that puts the originals back.
 */
export function installProfileEndpoint(opts: ProfileEndpointOptions): () => void {
  const restore: Array<() => void> = [];
  for (const name of ['node:http', 'node:https'] as const) {
    const mod = require(name) as typeof http;
    const original = mod.createServer;
    if ((original as { __otelCompanionProfile?: boolean }).__otelCompanionProfile) continue;
    const createServer = function (this: unknown, ...args: unknown[]) {
      const server = (original as (...a: unknown[]) => http.Server).apply(this, args);
      try { instrumentServer(server, opts); } catch (err) { agentLog.warn('devview: server not hooked:', (err as Error).message); }
      return server;
    } as typeof mod.createServer & { __otelCompanionProfile?: boolean };
    createServer.__otelCompanionProfile = true;
    mod.createServer = createServer;
    restore.push(() => { mod.createServer = original; });
  }
  const syncEsm = () => {
    try {
      // Keep `import { createServer } from 'node:http'` (ESM) in step with the patched function.
      (require('node:module') as { syncBuiltinESMExports(): void }).syncBuiltinESMExports();
    } catch { /* older runtimes: CJS callers are covered */ }
  };
  syncEsm();
  return () => {
    for (const undo of restore) undo();
    syncEsm();
  };
}
