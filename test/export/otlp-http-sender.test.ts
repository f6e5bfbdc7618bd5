import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpHttpSender } from '../../agent/export/otlp-http-sender';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { freePort } from '../helpers/postgres';
import { runScriptToExit } from '../helpers/run-app';

const SENDER_ONLY = 'test/fixtures/export/sender-only.cjs';
/** The sender's first retry waits 1 s ± 20 %: a process that lived less did not wait for it. */
const FIRST_BACKOFF_MIN_MS = 800;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A "collector" that accepts connections and never answers. */
async function blackHole(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = http.createServer(() => {});
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
}

async function closedPort(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/v1/traces`;
}

interface SenderRun {
  code: number | null;
  /** From the moment the send started to the process's exit, by the child's own clock. */
  livedMs: number;
  result?: { ok: boolean; error?: string };
}

/** Runs a process that only exports once (test/fixtures/export/sender-only.cjs) and waits for it to exit. */
async function runSenderOnly(env: Record<string, string>): Promise<SenderRun> {
  const run = await runScriptToExit(SENDER_ONLY, env);
  const sending = Number(run.stdout.match(/SENDING (\d+)/)?.[1]);
  const exit = Number(run.stdout.match(/EXIT (\d+)/)?.[1]);
  if (run.signal || !Number.isFinite(sending) || !Number.isFinite(exit)) {
    throw new Error(`sender-only did not run to its exit (signal ${run.signal})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  const result = run.stdout.match(/RESULT (.*)/)?.[1];
  return { code: run.code, livedMs: exit - sending, result: result ? JSON.parse(result) : undefined };
}

describe('the sender while the app runs: it never holds the process', () => {
  it('a process whose only work is an export retrying against a collector that is down exits at once', async () => {
    const run = await runSenderOnly({ SENDER_URL: await closedPort(), SENDER_MODE: 'background', SENDER_TIMEOUT_MS: '10000' });
    expect(run.code).toBe(0);
    expect(run.result, 'the export was still waiting to retry when the process ended').toBeUndefined();
    expect(run.livedMs).toBeLessThan(FIRST_BACKOFF_MIN_MS);
  });

  it('nor does a request in flight to a collector that never answers', async () => {
    const run = await runSenderOnly({ SENDER_URL: await blackHole(), SENDER_MODE: 'background', SENDER_TIMEOUT_MS: '10000' });
    expect(run.code).toBe(0);
    expect(run.result).toBeUndefined();
    expect(run.livedMs).toBeLessThan(2000); // the request would have waited 10 s
  });
});

describe('the sender in the shutdown flush: holdProcess() keeps the process alive until the export ends', () => {
  it('waits through the retries against a collector that is down', async () => {
    const run = await runSenderOnly({ SENDER_URL: await closedPort(), SENDER_MODE: 'hold', SENDER_TIMEOUT_MS: '2500' });
    expect(run.result).toEqual({ ok: false, error: 'ECONNREFUSED' });
    expect(run.livedMs).toBeGreaterThanOrEqual(FIRST_BACKOFF_MIN_MS);
  });

  it('waits for a collector that never answers until the export timeout', async () => {
    const run = await runSenderOnly({ SENDER_URL: await blackHole(), SENDER_MODE: 'hold', SENDER_TIMEOUT_MS: '1500' });
    expect(run.result).toEqual({ ok: false, error: 'timeout' });
    expect(run.livedMs).toBeGreaterThanOrEqual(1400);
  });

  it('abort() ends a request in flight at once, and nothing holds the process after it', async () => {
    const run = await runSenderOnly({ SENDER_URL: await blackHole(), SENDER_MODE: 'hold-then-abort', SENDER_ABORT_AFTER_MS: '300', SENDER_TIMEOUT_MS: '30000' });
    expect(run.result).toEqual({ ok: false, error: 'aborted by shutdown' });
    expect(run.livedMs).toBeGreaterThanOrEqual(250);
    expect(run.livedMs).toBeLessThan(3000);
  });

  it('abort() ends a retry wait at once, keeping the cause of the last failure', async () => {
    const run = await runSenderOnly({ SENDER_URL: await closedPort(), SENDER_MODE: 'hold-then-abort', SENDER_ABORT_AFTER_MS: '300', SENDER_TIMEOUT_MS: '30000' });
    expect(run.result).toEqual({ ok: false, error: 'ECONNREFUSED' });
    expect(run.livedMs).toBeLessThan(FIRST_BACKOFF_MIN_MS);
  });
});

describe('the sender on the wire', () => {
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('gzips the body when asked (content-encoding: gzip), and the receiver decodes it to the same bytes', async () => {
    receiver = await startOtlpReceiver();
    const body = new Uint8Array([0x0a, 0x00, 0x0a, 0x00]); // two empty ResourceSpans
    const plain = new OtlpHttpSender({ url: `${receiver.url}/v1/traces`, headers: {}, timeoutMs: 5000 });
    const gzip = new OtlpHttpSender({ url: `${receiver.url}/v1/traces`, headers: { 'x-tenant': 'a' }, timeoutMs: 5000, compression: 'gzip' });
    expect(await plain.send(body)).toEqual({ ok: true });
    expect(await gzip.send(body)).toEqual({ ok: true });
    const [first, second] = receiver.headers.traces;
    expect(first?.['content-encoding']).toBeUndefined();
    expect(second?.['content-encoding']).toBe('gzip');
    expect(second?.['x-tenant']).toBe('a');
    expect(second?.['content-type']).toBe('application/x-protobuf');
    expect(second?.['user-agent']).toMatch(/^otel-companion\//);
    expect(Number(second?.['content-length'])).not.toBe(body.byteLength); // what went over the wire was the gzip stream
    expect(receiver.rawBodies.map((b) => [...b])).toEqual([[...body], [...body]]);
    plain.close();
    gzip.close();
  });

  it('retries a retryable status, honouring Retry-After, and gives up at once on another', async () => {
    const statuses: number[] = [];
    let answers = [503, 200];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = answers.shift() ?? 400;
        statuses.push(status);
        res.writeHead(status, status === 503 ? { 'retry-after': '0' } : {}).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const sender = new OtlpHttpSender({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`, headers: {}, timeoutMs: 5000 });
    expect(await sender.send(new Uint8Array([1]))).toEqual({ ok: true });
    expect(statuses).toEqual([503, 200]);
    answers = [400, 200];
    expect(await sender.send(new Uint8Array([1]))).toEqual({ ok: false, error: 'HTTP 400' });
    expect(statuses).toEqual([503, 200, 400]);
    sender.close();
  });

  it('a header value Node refuses is a failed export, not a throw', async () => {
    const sender = new OtlpHttpSender({ url: 'http://127.0.0.1:9/v1/traces', headers: { 'x-bad': 'line\nbreak' }, timeoutMs: 1000 });
    const result = await sender.send(new Uint8Array([1]));
    expect(result.ok).toBe(false);
    expect(result.error).toBe('ERR_INVALID_CHAR');
    sender.close();
  });
});
