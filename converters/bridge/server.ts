import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Issue } from '../model';
import { ProfileStore } from '../profile-store';
import { decodeOtlpProtobuf, ProtobufDecodeError } from '../otlp-protobuf';
import { buildDocument, readOtlpRequest, type SpanRecord } from '../otlp-to-scheme';
import { validateDocument } from '../validate';
import { schemeToOtlp } from '../scheme-to-otlp';
import { stringifyDocument } from '../json-writer';
import { isUuid, uuidToTraceId } from '../ids';

/**
 * `otel-companion bridge`: OTLP/HTTP traces in (JSON and protobuf, /v1/traces; a collector's
 * otlp_http exporter can point here), scheme documents out (GET /_profile/?id=<uuid>); and scheme
 * documents in (POST /v1/scheme), validated, converted and forwarded as OTLP/JSON to a collector.
 * Memory is bounded: request bodies by maxBodyBytes, stored traces by count, spans and TTL.
 */
export interface BridgeOptions {
  port: number;
  host: string;
  /** Collector endpoint for POST /v1/scheme (base URL or full /v1/traces URL). */
  forwardUrl?: string;
  maxBodyBytes: number;
  maxDocuments: number;
  ttlMs: number;
  /** Spans kept per trace (later ones are counted and dropped). Default 10,000. */
  maxSpansPerTrace?: number;
  /** Resource attributes of the OTLP that POST /v1/scheme forwards (--service-name, --resource). */
  resource?: Readonly<Record<string, string>>;
}

export interface Bridge {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly issues: Issue[] = []) { super(message); }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(413, `body of ${declared} bytes is over the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) { failed = true; chunks.length = 0; reject(new HttpError(413, `body is over the limit of ${limit} bytes`)); return; }
      chunks.push(c);
    });
    req.on('end', () => { if (!failed) resolve(Buffer.concat(chunks, size)); });
    req.on('error', (err) => { if (!failed) reject(err); });
  });
}

function decompress(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  if (!encoding || encoding === 'identity') return body;
  try {
    if (encoding === 'gzip') return zlib.gunzipSync(body, { maxOutputLength: limit });
    if (encoding === 'deflate') return zlib.inflateSync(body, { maxOutputLength: limit });
  } catch (err) {
    throw new HttpError((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 413 : 400, `cannot ${encoding}-decode the body: ${(err as Error).message}`);
  }
  throw new HttpError(415, `unsupported content-encoding ${encoding}`);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function forwardTarget(url: string): string {
  const u = new URL(url);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1/traces';
  return u.toString();
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const maxSpans = opts.maxSpansPerTrace ?? 10_000;
  // Traces arrive in several export batches: keep their spans, build the document when asked.
  const traces = new ProfileStore<SpanRecord[]>({ maxEntries: opts.maxDocuments, ttlMs: opts.ttlMs, sizeOf: (r) => r.length, maxTotalSize: opts.maxDocuments * 100 });
  const documents = new ProfileStore<string>({ maxEntries: opts.maxDocuments, ttlMs: opts.ttlMs, sizeOf: (s) => s.length, maxTotalSize: 256 * 1024 * 1024 });
  const forward = opts.forwardUrl ? forwardTarget(opts.forwardUrl) : undefined;

  async function onTraces(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = decompress(await readBody(req, opts.maxBodyBytes), req.headers['content-encoding'], opts.maxBodyBytes);
    const type = String(req.headers['content-type'] ?? '');
    const isProtobuf = type.includes('protobuf');
    let request: unknown;
    if (isProtobuf) {
      try { request = decodeOtlpProtobuf(body); } catch (err) {
        if (err instanceof ProtobufDecodeError) throw new HttpError(400, `malformed protobuf: ${err.message}`);
        throw err;
      }
    } else if (type.includes('json')) request = parseJson(body);
    else throw new HttpError(415, `content-type must be application/json or application/x-protobuf, got "${type}"`);
    const issues: Issue[] = [];
    const records = readOtlpRequest(request, issues);
    let dropped = 0;
    for (const rec of records) {
      let list = traces.get(rec.traceId);
      if (!list) { list = []; traces.set(rec.traceId, list); }
      if (list.length >= maxSpans) { dropped++; continue; }
      list.push(rec);
      traces.resize(rec.traceId);
    }
    const rejected = issues.length + dropped;
    if (records.length === 0 && issues.length > 0) throw new HttpError(400, 'no valid span in the request', issues);
    if (isProtobuf) { res.writeHead(200, { 'content-type': 'application/x-protobuf' }); res.end(); return; }
    sendJson(res, 200, rejected > 0 ? {
      partialSuccess: { rejectedSpans: String(rejected), errorMessage: issues.slice(0, 20).map((i) => `${i.path}: ${i.message}`).join('; ') || `${dropped} spans over the per-trace limit of ${maxSpans}` },
    } : {});
  }

  async function onScheme(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = decompress(await readBody(req, opts.maxBodyBytes), req.headers['content-encoding'], opts.maxBodyBytes);
    const value = parseJson(body);
    const list = Array.isArray(value) ? value : [value];
    const docs = [];
    const issues: Issue[] = [];
    for (let i = 0; i < list.length; i++) {
      const v = validateDocument(list[i]);
      const prefix = Array.isArray(value) ? `/${i}` : '';
      if (v.document) docs.push(v.document); else for (const x of v.issues) issues.push({ ...x, path: prefix + x.path });
    }
    if (issues.length > 0) throw new HttpError(400, 'invalid scheme document', issues);
    const out = schemeToOtlp(docs, { resource: opts.resource });
    if (out.issues.length > 0) throw new HttpError(400, 'document cannot be converted', out.issues);
    for (let i = 0; i < docs.length; i++) {
      let text: string;
      try { text = stringifyDocument(docs[i]); } catch (err) {
        throw new HttpError(400, 'document cannot be stored', [{ path: Array.isArray(value) ? `/${i}` : '', message: (err as Error).message }]);
      }
      documents.set(uuidToTraceId(docs[i].id), text);
    }
    let forwarded: number | undefined;
    if (forward) {
      try {
        const r = await fetch(forward, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(out.request), signal: AbortSignal.timeout(10_000) });
        forwarded = r.status;
        await r.arrayBuffer();
      } catch (err) {
        throw new HttpError(502, `forwarding to ${forward} failed: ${(err as Error).message}`);
      }
      if (forwarded >= 300) throw new HttpError(502, `the collector at ${forward} answered ${forwarded}`);
    }
    sendJson(res, 200, { documents: docs.length, spans: out.spanCount, ids: docs.map((d) => d.id), forwarded: forward !== undefined });
  }

  function onProfile(url: URL, res: http.ServerResponse): void {
    const id = url.searchParams.get('id') ?? '';
    if (!isUuid(id)) throw new HttpError(400, `id must be a UUID, got "${id.slice(0, 60)}"`, [{ path: 'query:id', message: 'must be a UUID' }]);
    const traceId = uuidToTraceId(id);
    const stored = documents.get(traceId);
    if (stored !== undefined) { sendJson(res, 200, stored); return; }
    const records = traces.get(traceId);
    if (!records) throw new HttpError(404, `no document with id ${id} (unknown or older than the TTL)`);
    const issues: Issue[] = [];
    sendJson(res, 200, stringifyDocument(buildDocument(traceId, records, issues)));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bridge');
    const handle = async () => {
      if (req.method === 'POST' && url.pathname === '/v1/traces') return onTraces(req, res);
      if (req.method === 'POST' && url.pathname === '/v1/scheme') return onScheme(req, res);
      if (req.method === 'GET' && (url.pathname === '/_profile/' || url.pathname === '/_profile')) return onProfile(url, res);
      req.resume();
      throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
    };
    handle().catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error)?.message ?? String(err));
      if (res.headersSent) { res.destroy(); return; }
      sendJson(res, e.status, { error: e.message, issues: e.issues.slice(0, 100) });
    });
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(opts.port, opts.host, resolve); });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
