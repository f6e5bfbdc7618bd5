import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceBatch } from '../../agent/export/trace-batch';
import { stackBinDir } from '../../scripts/stack/native.mjs';
import { requireBinary } from '../alerting/binaries';
import { freePort } from '../helpers/postgres';
import { batch as batchArbitrary } from './arbitraries';
import { decodeTraces, withMinimalLengths } from './wire';

/**
 * The real collector (ocb build) accepts the encoder's bytes, padded length prefixes and all: the
 * requests are POSTed to its OTLP/HTTP receiver, which decodes them with the collector's Go pdata
 * code, and its otlp_grpc exporter forwards what it decoded to a gRPC sink here. What arrives,
 * re-encoded by Go, must decode to the same spans as what was sent.
 */
const collectorBinary = requireBinary('otelcol-companion (ocb build)', 'bash scripts/stack/provision.sh', [join(stackBinDir, 'otelcol-companion')]);
const ciIsSet = Boolean(process.env.CI) && !/^(false|0)$/i.test(process.env.CI ?? '');

interface GrpcSink {
  port: number;
  messages: Buffer[];
  close(): Promise<void>;
}

/** A minimal OTLP/gRPC trace service over cleartext HTTP/2: keeps each ExportTraceServiceRequest, answers OK. */
async function startGrpcSink(): Promise<GrpcSink> {
  const messages: Buffer[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (headers[':path'] !== '/opentelemetry.proto.collector.trace.v1.TraceService/Export') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
        return;
      }
      const body = Buffer.concat(chunks);
      for (let p = 0; p < body.length; ) {
        if (body[p] !== 0) throw new Error('the collector sent a compressed gRPC message (compression: none expected)');
        const length = body.readUInt32BE(p + 1);
        messages.push(body.subarray(p + 5, p + 5 + length));
        p += 5 + length;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0])); // an empty ExportTraceServiceResponse
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startCollector(binary: string, dir: string, grpcPort: number): Promise<{ child: ChildProcess; httpPort: number; logs: () => string }> {
  const httpPort = await freePort();
  const config = join(dir, 'collector.yaml');
  writeFileSync(config, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${grpcPort}
    tls:
      insecure: true
    compression: none
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp_grpc] }
`);
  const child = spawn(binary, [`--config=file:${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  await waitFor('the collector to start', () => {
    if (child.exitCode !== null) throw new Error(`collector exited (${child.exitCode}):\n${logs}`);
    return /Everything is ready/.test(logs);
  }, 60_000, () => logs);
  return { child, httpPort, logs: () => logs };
}

const exportResponse = protobuf
  .parse('syntax = "proto3"; message PartialSuccess { int64 rejected_spans = 1; string error_message = 2; } message ExportTraceServiceResponse { PartialSuccess partial_success = 1; }')
  .root.lookupType('ExportTraceServiceResponse');

/** Polls until `probe` returns true; throws at the deadline with what `explain` says. */
async function waitFor(what: string, probe: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Decoded = { resourceSpans?: Array<{ resource?: unknown; schemaUrl?: string; scopeSpans?: Array<{ scope?: unknown; schemaUrl?: string; spans?: unknown[] }> }> };

/** One line per span with its resource and scope, sorted: requests may be merged or reordered on the way. */
function spanLines(requests: Uint8Array[]): string[] {
  const lines: string[] = [];
  for (const bytes of requests) {
    for (const rs of (decodeTraces(bytes) as Decoded).resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          lines.push(JSON.stringify({ resource: rs.resource, resourceSchema: rs.schemaUrl, scope: ss.scope, scopeSchema: ss.schemaUrl, span }));
        }
      }
    }
  }
  return lines.sort();
}

describe.runIf(collectorBinary.shouldRun || ciIsSet)('the real collector accepts the encoder\'s requests', () => {
  let dir: string;
  let sink: GrpcSink;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    if (!collectorBinary.path) throw new Error(`otelcol-companion is required (CI is set) but missing in ${stackBinDir}: bash scripts/stack/provision.sh`);
    dir = mkdtempSync(join(tmpdir(), 'otlp-encoder-collector-'));
    sink = await startGrpcSink();
    collector = await startCollector(collectorBinary.path, dir, sink.port);
  }, 90_000);

  afterAll(async () => {
    if (collector && collector.child.exitCode === null) {
      collector.child.kill('SIGTERM');
      await new Promise((r) => collector.child.once('exit', r));
    }
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generated requests: HTTP 200 with nothing rejected, and the spans that come out of the collector are the spans sent', async () => {
    const batches = fc.sample(batchArbitrary.filter((b) => b.spans.length > 0), { numRuns: 40, seed: 20_240_611 });
    const sent: Uint8Array[] = [];
    for (const generated of batches) {
      const batch = new TraceBatch(generated.resource);
      for (const span of generated.spans) expect(batch.add(span), String(batch.lastError)).toBe(true);
      const body = batch.take();
      sent.push(body);
      const response = await fetch(`http://127.0.0.1:${collector.httpPort}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      const answer = Buffer.from(await response.arrayBuffer());
      expect(response.status, `${answer.toString()}\n${collector.logs()}`).toBe(200);
      const partial = exportResponse.toObject(exportResponse.decode(answer), { longs: Number }).partialSuccess as { rejectedSpans?: number; errorMessage?: string } | undefined;
      expect({ rejectedSpans: partial?.rejectedSpans ?? 0, errorMessage: partial?.errorMessage ?? '' }).toEqual({ rejectedSpans: 0, errorMessage: '' });
    }
    const expectedSpans = spanLines(sent);
    expect(expectedSpans.length).toBeGreaterThan(100);
    expect(sent.filter((body) => withMinimalLengths(body).length < body.length).length).toBe(sent.length); // every request had padded prefixes
    await waitFor('every span to come out of the collector', () => spanLines(sink.messages).length >= expectedSpans.length, 30_000, () =>
      `${spanLines(sink.messages).length} of ${expectedSpans.length} spans arrived\n${collector.logs()}`);
    expect(spanLines(sink.messages)).toEqual(expectedSpans);
  }, 120_000);

  it('control: the receiver does decode the body (a request cut short is refused with 400)', async () => {
    const batch = new TraceBatch({ attributes: { 'service.name': 'control' } });
    const [generated] = fc.sample(batchArbitrary.filter((b) => b.spans.length > 0), { numRuns: 1, seed: 7 });
    for (const span of generated!.spans) batch.add(span);
    const body = batch.take();
    const response = await fetch(`http://127.0.0.1:${collector.httpPort}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: body.subarray(0, body.length - 3),
    });
    expect(response.status).toBe(400);
  });
});
