/**
 * Reading what the stack stored, for the stack suites: Jaeger's /api/v3 (OTLP JSON spans),
 * PromQL over Prometheus or Thanos Query, and LogsQL over VictoriaLogs.
 */

/** GET `url` as JSON of the shape `T` the caller names (the shapes below: what the suites read). */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface OtlpJsonAttribute { key: string; value: Record<string, unknown> }

/** OTLP JSON traces, as Jaeger's /api/v3 returns them under `result`. */
export interface OtlpJsonTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpJsonAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number | string; attributes?: OtlpJsonAttribute[] }>;
    }>;
  }>;
}

/** Jaeger's /api/v3/traces and /api/v3/traces/{id}. */
export interface JaegerTraces { result?: OtlpJsonTraces }

/** Jaeger's Monitor (SPM) API: /api/metrics/calls, latencies, errors. */
export interface SpmMetrics {
  metrics?: Array<{ labels?: Array<{ name: string; value: string }>; metricPoints?: Array<{ gaugeValue?: { doubleValue?: number } }> }>;
}

/** The Prometheus HTTP API's envelope (Prometheus, Thanos Query). */
export interface PromApiResponse<D = unknown> { status: string; data?: D; error?: string }

/** A span of an OTLP-JSON result (Jaeger /api/v3), with its resource's attributes. */
export interface FlatSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  attributes: Record<string, unknown>;
  service: string;
  resource: Record<string, unknown>;
}

export function flatten(result: OtlpJsonTraces | undefined): FlatSpan[] {
  const out: FlatSpan[] = [];
  for (const rs of result?.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: String(s.kind),
          attributes: attrs(s.attributes),
          service: String(resource['service.name'] ?? ''),
          resource,
        });
      }
    }
  }
  return out;
}

function attrs(list: OtlpJsonAttribute[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = Object.values(value ?? {})[0];
  return out;
}

/** The spans of one trace from Jaeger's /api/v3, or [] while Jaeger does not have it. */
export async function jaegerTrace(jaegerUrl: string, traceId: string): Promise<FlatSpan[]> {
  const res = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`, { signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) return [];
  const text = await res.text();
  if (!res.ok) throw new Error(`GET trace ${traceId}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return flatten((JSON.parse(text) as JaegerTraces).result);
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant PromQL query (Prometheus or Thanos Query); throws on a query error. */
export async function promQuery(baseUrl: string, expr: string): Promise<PromSample[]> {
  const body = await getJson<PromApiResponse<{ result: PromSample[] }>>(`${baseUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  if (body.status !== 'success' || !body.data) throw new Error(`query failed: ${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** Log records (VictoriaLogs LogsQL /select/logsql/query, one JSON object per line) whose trace_id is `traceId`. */
export async function logsByTraceId(logsUrl: string, traceId: string): Promise<Record<string, string>[]> {
  const query = `trace_id:"${traceId}"`;
  const res = await fetch(`${logsUrl}/select/logsql/query?${new URLSearchParams({ query })}`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`LogsQL ${query}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, string>);
}
