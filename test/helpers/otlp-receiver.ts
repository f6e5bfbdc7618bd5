import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { decodeOtlpProtobuf } from './otlp-proto';
import { eventually } from './eventually';

type Signal = 'traces' | 'metrics' | 'logs';
type AnyValue = Record<string, unknown>;

export interface FlatSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
  scope: string;
}

export interface FlatLog {
  body: unknown;
  severityNumber?: number;
  severityText?: string;
  traceId?: string;
  spanId?: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  eventName?: string;
}

export interface FlatMetricPoint {
  name: string;
  unit?: string;
  type: 'gauge' | 'sum' | 'histogram';
  attributes: Record<string, unknown>;
  value?: number;
  count?: number;
  sum?: number;
  /** Sums and histograms: 1 delta, 2 cumulative (OTLP's AggregationTemporality). */
  temporality?: number;
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly port: number;
  /** Decoded requests (OTLP/JSON form), per signal. */
  readonly requests: Record<Signal, AnyValue[]>;
  /** Every request body exactly as received (after gzip decoding), for byte-level searches. */
  readonly rawBodies: Buffer[];
  /** The headers of every accepted request, per signal (content-type, content-encoding, the exporter's own). */
  readonly headers: Record<Signal, http.IncomingHttpHeaders[]>;
  spans(): FlatSpan[];
  logs(): FlatLog[];
  metricPoints(): FlatMetricPoint[];
  /** Resolves when `predicate` holds, polling; rejects after `timeoutMs` with `what` in the message. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Make the next requests fail with this HTTP status (to simulate a failing collector); undefined to heal. */
  failWith(status: number | undefined): void;
  /**
   * Stop listening: new exports are refused (ECONNREFUSED), as with a collector that is down.
   * Requests already being received are answered first, so nothing is both received and failed.
   */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Spans received so far (kept as requests arrive, for counting large volumes cheaply). */
  spanCount(): number;
  clear(): void;
  close(): Promise<void>;
}

export function anyValue(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('stringValue' in o) return o.stringValue;
  if ('boolValue' in o) return o.boolValue;
  if ('intValue' in o) return Number(o.intValue);
  if ('doubleValue' in o) return Number(o.doubleValue);
  if ('arrayValue' in o) return ((o.arrayValue as { values?: unknown[] }).values ?? []).map(anyValue);
  if ('kvlistValue' in o) return attrs((o.kvlistValue as { values?: unknown[] }).values);
  if ('bytesValue' in o) return o.bytesValue;
  return undefined;
}

export function attrs(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as Array<{ key: string; value: unknown }>) ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

const nanosToMs = (v: unknown) => Number(BigInt(String(v ?? 0)) / 1000n) / 1000;

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: Record<Signal, AnyValue[]> = { traces: [], metrics: [], logs: [] };
  const rawBodies: Buffer[] = [];
  const headers: Record<Signal, http.IncomingHttpHeaders[]> = { traces: [], metrics: [], logs: [] };
  let failStatus: number | undefined;
  /** Between down() and up(): answers close their connection, so no keep-alive connection outlives the outage's start. */
  let closing = false;

  let receivedSpans = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (closing) res.setHeader('connection', 'close');
      const signal = (req.url ?? '').match(/^\/v1\/(traces|metrics|logs)/)?.[1] as Signal | undefined;
      if (!signal || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      if (failStatus) {
        res.writeHead(failStatus).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      rawBodies.push(body);
      const isJson = String(req.headers['content-type'] ?? '').includes('json');
      try {
        const decoded = isJson ? (JSON.parse(body.toString('utf8')) as AnyValue) : decodeOtlpProtobuf(signal, body);
        requests[signal].push(decoded);
        headers[signal].push(req.headers);
        if (signal === 'traces') {
          for (const rs of (decoded.resourceSpans as AnyValue[]) ?? []) {
            for (const ss of (rs.scopeSpans as AnyValue[]) ?? []) receivedSpans += ((ss.spans as unknown[]) ?? []).length;
          }
        }
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
        return;
      }
      res.writeHead(200, { 'content-type': isJson ? 'application/json' : 'application/x-protobuf' });
      res.end(isJson ? '{}' : Buffer.alloc(0));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const spans = (): FlatSpan[] => {
    const out: FlatSpan[] = [];
    for (const r of requests.traces) {
      for (const rs of (r.resourceSpans as AnyValue[]) ?? []) {
        const resource = attrs((rs.resource as AnyValue | undefined)?.attributes);
        for (const ss of (rs.scopeSpans as AnyValue[]) ?? []) {
          const scope = String((ss.scope as AnyValue | undefined)?.name ?? '');
          for (const s of (ss.spans as AnyValue[]) ?? []) {
            out.push({
              traceId: String(s.traceId),
              spanId: String(s.spanId),
              parentSpanId: s.parentSpanId ? String(s.parentSpanId) : undefined,
              name: String(s.name),
              kind: Number(s.kind ?? 0),
              startMs: nanosToMs(s.startTimeUnixNano),
              endMs: nanosToMs(s.endTimeUnixNano),
              attributes: attrs(s.attributes),
              events: ((s.events as AnyValue[]) ?? []).map((e) => ({ name: String(e.name), attributes: attrs(e.attributes) })),
              status: (s.status as FlatSpan['status']) ?? {},
              resource,
              scope,
            });
          }
        }
      }
    }
    return out;
  };

  const logs = (): FlatLog[] => {
    const out: FlatLog[] = [];
    for (const r of requests.logs) {
      for (const rl of (r.resourceLogs as AnyValue[]) ?? []) {
        const resource = attrs((rl.resource as AnyValue | undefined)?.attributes);
        for (const sl of (rl.scopeLogs as AnyValue[]) ?? []) {
          for (const l of (sl.logRecords as AnyValue[]) ?? []) {
            out.push({
              body: anyValue(l.body),
              severityNumber: l.severityNumber as number | undefined,
              severityText: l.severityText as string | undefined,
              traceId: (l.traceId as string) || undefined,
              spanId: (l.spanId as string) || undefined,
              attributes: attrs(l.attributes),
              resource,
              eventName: (l.eventName as string) || undefined,
            });
          }
        }
      }
    }
    return out;
  };

  const metricPoints = (): FlatMetricPoint[] => {
    const out: FlatMetricPoint[] = [];
    for (const r of requests.metrics) {
      for (const rm of (r.resourceMetrics as AnyValue[]) ?? []) {
        const resource = attrs((rm.resource as AnyValue | undefined)?.attributes);
        for (const sm of (rm.scopeMetrics as AnyValue[]) ?? []) {
          for (const m of (sm.metrics as AnyValue[]) ?? []) {
            const type = m.histogram ? 'histogram' : m.sum ? 'sum' : 'gauge';
            const data = (m.histogram ?? m.sum ?? m.gauge) as AnyValue | undefined;
            for (const p of (data?.dataPoints as AnyValue[]) ?? []) {
              out.push({
                name: String(m.name),
                unit: m.unit as string | undefined,
                type,
                attributes: attrs(p.attributes),
                value: p.asDouble !== undefined ? Number(p.asDouble) : p.asInt !== undefined ? Number(p.asInt) : undefined,
                count: p.count !== undefined ? Number(p.count) : undefined,
                sum: p.sum !== undefined ? Number(p.sum) : undefined,
                temporality: data?.aggregationTemporality !== undefined ? Number(data.aggregationTemporality) : undefined,
                resource,
              });
            }
          }
        }
      }
    }
    return out;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    rawBodies,
    headers,
    spans,
    logs,
    metricPoints,
    async waitFor(predicate, timeoutMs = 15_000, what = 'condition') {
      await eventually(`${what} at the OTLP receiver`, predicate, timeoutMs, 50);
    },
    failWith(status) {
      failStatus = status;
    },
    down: () => new Promise<void>((resolve) => {
      closing = true;
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
    up: () => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.removeListener('error', reject);
        closing = false;
        resolve();
      });
    }),
    spanCount: () => receivedSpans,
    clear() {
      receivedSpans = 0;
      requests.traces.length = 0;
      requests.metrics.length = 0;
      requests.logs.length = 0;
      rawBodies.length = 0;
      headers.traces.length = 0;
      headers.metrics.length = 0;
      headers.logs.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
