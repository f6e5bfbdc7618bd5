import * as http from 'node:http';
import type * as https from 'node:https';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export interface SendResult {
  readonly ok: boolean;
  /** Why it failed: an error code (ECONNREFUSED), `HTTP 503`, or `timeout`. */
  readonly error?: string;
}

export interface OtlpHttpSenderOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The whole export, retries included, ends within this (OTEL_EXPORTER_OTLP_TIMEOUT). */
  readonly timeoutMs: number;
  readonly contentType?: string;
}

// What the OTLP specification calls retryable, as the upstream exporters treat it.
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

/**
 * Posts ready OTLP/protobuf bytes (the body is built elsewhere, when the spans ended). Retries
 * refused connections and the retryable statuses with exponential backoff and jitter, honouring
 * Retry-After, within the export timeout, as the OTLP exporters do. Requests run with tracing
 * suppressed, so the agent never traces its own exports. Keep-alive connections are reused.
 * `abort()` stops everything in flight at once (the bounded shutdown).
 */
export class OtlpHttpSender {
  private readonly url: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private aborted = false;

  constructor(private readonly options: OtlpHttpSenderOptions) {
    this.url = new URL(options.url);
    // https only when the collector is behind TLS: loading it costs start-up time.
    this.transport = this.url.protocol === 'https:' ? (require('node:https') as typeof https) : http;
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: 2 });
  }

  async send(body: Uint8Array): Promise<SendResult> {
    const deadline = Date.now() + this.options.timeoutMs;
    let backoff = INITIAL_BACKOFF_MS;
    let last: SendResult = { ok: false, error: 'not sent' };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && !this.aborted; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { ok: false, error: last.error === 'not sent' ? 'timeout' : last.error };
      const { result, retryAfterMs } = await this.post(body, remaining);
      if (result.ok || !result.retryable) return { ok: result.ok, error: result.error };
      last = { ok: false, error: result.error };
      const wait = retryAfterMs ?? backoff * (1 + (Math.random() * 2 - 1) * JITTER);
      backoff = Math.min(backoff * BACKOFF_MULTIPLIER, MAX_BACKOFF_MS);
      if (attempt === MAX_ATTEMPTS || Date.now() + wait >= deadline) break;
      await this.sleep(wait);
    }
    return this.aborted ? { ok: false, error: 'aborted by shutdown' } : last;
  }

  /** Ends every request in flight and every pending retry now. */
  abort(): void {
    this.aborted = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.inFlight) request.destroy(new Error('aborted by shutdown'));
    this.agent.destroy();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private post(body: Uint8Array, timeoutMs: number): Promise<{ result: SendResult & { retryable?: boolean }; retryAfterMs?: number }> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (result: SendResult & { retryable?: boolean }, retryAfterMs?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(request);
        resolve({ result, retryAfterMs });
      };
      // The agent's own export: no span for it, whatever instrumentation is active.
      const request = context.with(suppressTracing(context.active()), () => this.transport.request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          ...this.options.headers,
          'content-type': this.options.contentType ?? 'application/x-protobuf',
          'content-length': body.byteLength,
        },
      }, (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        response.once('end', () => {
          if (status >= 200 && status < 300) done({ ok: true });
          else done({ ok: false, error: `HTTP ${status}`, retryable: RETRYABLE_STATUS.has(status) }, retryAfter(response.headers['retry-after']));
        });
        response.once('error', (err) => done({ ok: false, error: errorCode(err), retryable: true }));
      }));
      const timer = setTimeout(() => {
        request.destroy(new Error('timeout'));
        done({ ok: false, error: 'timeout', retryable: false });
      }, timeoutMs);
      this.inFlight.add(request);
      request.once('error', (err) => done({ ok: false, error: errorCode(err), retryable: !this.aborted }));
      request.end(body);
    });
  }
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
