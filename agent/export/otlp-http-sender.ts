import * as http from 'node:http';
import type * as https from 'node:https';
import type { Socket } from 'node:net';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AGENT_VERSION } from '../runtime/version';

export interface SendResult {
  readonly ok: boolean;
  /** Why it failed: an error code (ECONNREFUSED), `HTTP 503`, or `timeout`. */
  readonly error?: string;
}

export type OtlpCompression = 'none' | 'gzip';

export interface OtlpHttpSenderOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The whole export, retries included, ends within this (OTEL_EXPORTER_OTLP_TIMEOUT). */
  readonly timeoutMs: number;
  readonly contentType?: string;
  /** gzip: the body is compressed once per export, off the main thread (OTEL_EXPORTER_OTLP_COMPRESSION). */
  readonly compression?: OtlpCompression;
}

// What the OTLP specification calls retryable, as the upstream exporters treat it.
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;
const USER_AGENT = `otel-companion/${AGENT_VERSION}`;

/**
 * Posts ready OTLP bytes to one URL. Retries refused connections and the retryable statuses with
 * exponential backoff and jitter, honouring Retry-After, within the export timeout, as the OTLP
 * exporters do. Requests run with tracing suppressed, so the agent never traces its own exports.
 * Keep-alive connections are reused.
 *
 * Background work never holds the process: until `holdProcess()`, the sockets of requests in
 * flight and the retry and timeout timers are unref'd (idle keep-alive sockets are unref'd by
 * Node's agent), so an app whose work is done exits even while an export is retrying against a
 * collector that is down. Once shutdown begins, `holdProcess()` refs everything in flight and
 * everything new, so the bounded flush completes; `abort()` ends it all at once (the bound).
 */
export class OtlpHttpSender {
  private readonly url: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  /** Requests in flight, with their socket once they have one. */
  private readonly inFlight = new Map<http.ClientRequest, Socket | undefined>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Retry waits, and how to end each one early (abort). */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private holding = false;
  private aborted = false;

  constructor(private readonly options: OtlpHttpSenderOptions) {
    this.url = new URL(options.url);
    // https only when the collector is behind TLS: loading it costs start-up time.
    this.transport = this.url.protocol === 'https:' ? (require('node:https') as typeof https) : http;
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: 2 });
  }

  async send(body: Uint8Array): Promise<SendResult> {
    if (this.aborted) return { ok: false, error: 'aborted by shutdown' };
    const deadline = Date.now() + this.options.timeoutMs;
    const gzip = this.options.compression === 'gzip';
    let payload = body;
    if (gzip) {
      try {
        payload = await gzipAsync(body);
      } catch (err) {
        return { ok: false, error: `gzip failed: ${errorCode(err)}` };
      }
    }
    let backoff = INITIAL_BACKOFF_MS;
    let last: SendResult = { ok: false, error: 'not sent' };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && !this.aborted; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { ok: false, error: last.error === 'not sent' ? 'timeout' : last.error };
      const { result, retryAfterMs } = await this.post(payload, gzip, remaining);
      if (result.ok || !result.retryable) return { ok: result.ok, error: result.error };
      last = { ok: false, error: result.error };
      const wait = retryAfterMs ?? backoff * (1 + (Math.random() * 2 - 1) * JITTER);
      backoff = Math.min(backoff * BACKOFF_MULTIPLIER, MAX_BACKOFF_MS);
      if (attempt === MAX_ATTEMPTS || Date.now() + wait >= deadline) break;
      await this.sleep(wait);
    }
    // Cut short by abort() after a failed attempt: the cause is that attempt's.
    return this.aborted && last.error === 'not sent' ? { ok: false, error: 'aborted by shutdown' } : last;
  }

  /**
   * From now on, what is in flight keeps the process alive (the shutdown flush): the sockets of
   * requests in flight and every timer are ref'd, and so is everything started later.
   */
  holdProcess(): void {
    if (this.holding) return;
    this.holding = true;
    for (const timer of this.timers) timer.ref();
    for (const socket of this.inFlight.values()) socket?.ref();
  }

  /** Ends every request in flight and every pending retry now; later sends fail at once. */
  abort(): void {
    this.aborted = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const end of this.waits.values()) end();
    this.waits.clear();
    for (const request of this.inFlight.keys()) request.destroy(new Error('aborted by shutdown'));
    this.agent.destroy();
  }

  /** Closes the idle keep-alive connections (the exporter was shut down). */
  close(): void {
    this.agent.destroy();
  }

  private timer(ms: number, fire: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fire();
    }, ms);
    if (!this.holding) timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.timer(ms, () => {
        this.waits.delete(timer);
        resolve();
      });
      this.waits.set(timer, resolve);
    });
  }

  private post(body: Uint8Array, gzip: boolean, timeoutMs: number): Promise<{ result: SendResult & { retryable?: boolean }; retryAfterMs?: number }> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (result: SendResult & { retryable?: boolean }, retryAfterMs?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.timers.delete(timer);
        this.inFlight.delete(request);
        resolve({ result, retryAfterMs });
      };
      const headers: http.OutgoingHttpHeaders = {
        'user-agent': USER_AGENT,
        ...this.options.headers,
        'content-type': this.options.contentType ?? 'application/x-protobuf',
        'content-length': body.byteLength,
      };
      if (gzip) headers['content-encoding'] = 'gzip';
      let request: http.ClientRequest;
      try {
        // The agent's own export: no span for it, whatever instrumentation is active.
        request = context.with(suppressTracing(context.active()), () => this.transport.request(this.url, {
          method: 'POST',
          agent: this.agent,
          headers,
        }, onResponse));
      } catch (err) {
        // e.g. a header value Node refuses (ERR_INVALID_CHAR): no retry can fix that.
        resolve({ result: { ok: false, error: errorCode(err), retryable: false } });
        return;
      }
      function onResponse(response: http.IncomingMessage): void {
        const status = response.statusCode ?? 0;
        response.resume();
        response.once('end', () => {
          if (status >= 200 && status < 300) done({ ok: true });
          else done({ ok: false, error: `HTTP ${status}`, retryable: RETRYABLE_STATUS.has(status) }, retryAfter(response.headers['retry-after']));
        });
        response.once('error', (err) => done({ ok: false, error: errorCode(err), retryable: true }));
      }
      const timer = this.timer(timeoutMs, () => {
        request.destroy(new Error('timeout'));
        done({ ok: false, error: 'timeout', retryable: false });
      });
      this.inFlight.set(request, undefined);
      // A reused keep-alive socket comes back ref'd from Node's agent; a new one starts ref'd.
      request.once('socket', (socket) => {
        if (!this.inFlight.has(request)) return;
        this.inFlight.set(request, socket);
        if (this.holding) socket.ref();
        else socket.unref();
      });
      request.once('error', (err) => done({ ok: false, error: errorCode(err), retryable: !this.aborted }));
      request.end(body);
    });
  }
}

function gzipAsync(body: Uint8Array): Promise<Uint8Array> {
  // zlib only when compression is on: it is not free at start-up.
  const zlib = require('node:zlib') as typeof import('node:zlib');
  return new Promise((resolve, reject) => zlib.gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message.split('\n')[0]! : 'unknown error';
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
