import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import { temporalitySelector, type TemporalityPreference } from './metric-temporality';
import type { OtlpHttpSender, SendResult } from './otlp-http-sender';

export type OtlpEncoding = 'http/protobuf' | 'http/json';

export const CONTENT_TYPE: Record<OtlpEncoding, string> = {
  'http/protobuf': 'application/x-protobuf',
  'http/json': 'application/json',
};

type Transformer = typeof import('@opentelemetry/otlp-transformer');
type Serializer<T> = Pick<ISerializer<T, unknown>, 'serializeRequest'>;

/**
 * otlp-transformer is loaded on the first export, not at start-up: the agent runs before the app,
 * and nothing is sent before the first batch anyway.
 */
function lazySerializer<T>(pick: (t: Transformer) => Serializer<T>): () => Serializer<T> {
  let serializer: Serializer<T> | undefined;
  return () => (serializer ??= pick(require('@opentelemetry/otlp-transformer') as Transformer));
}

/** A failed export's result; the error carries the cause as its code (ECONNREFUSED, HTTP 503), for ExportHealth's lines. */
export function failedResult(error: string | undefined): ExportResult {
  const cause = error ?? 'export failed';
  return { code: ExportResultCode.FAILED, error: Object.assign(new Error(`OTLP export failed: ${cause}`), { code: cause }) };
}

/**
 * One signal's OTLP/HTTP exporter: the SDK's items serialized by otlp-transformer (protobuf or
 * JSON), posted by the agent's sender (retries, timeout, gzip, and no hold on the process while
 * the app runs).
 */
class OtlpHttpExporter<T> {
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly sender: OtlpHttpSender,
    private readonly serializer: () => Serializer<T>,
  ) {}

  /** Serializes and sends; resolves with the outcome (never rejects). */
  send(items: T): Promise<SendResult> {
    if (this.stopped) return Promise.resolve({ ok: false, error: 'exporter is shut down' });
    let body: Uint8Array | undefined;
    try {
      body = this.serializer().serializeRequest(items);
    } catch (err) {
      return Promise.resolve({ ok: false, error: `cannot serialize: ${(err as Error)?.message ?? String(err)}` });
    }
    if (!body) return Promise.resolve({ ok: false, error: 'cannot serialize' });
    const sent = this.sender.send(body).catch((err: unknown): SendResult => ({ ok: false, error: (err as Error)?.message ?? String(err) }));
    const settled: Promise<void> = sent.then(() => {
      this.pending.delete(settled);
    });
    this.pending.add(settled);
    return sent;
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    void this.send(items)
      .then((result) => resultCallback(result.ok ? { code: ExportResultCode.SUCCESS } : failedResult(result.error)))
      .catch(() => undefined); // a throwing callback is the SDK's business, never an unhandled rejection
  }

  /** Waits for the exports in flight. */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
    this.sender.close();
  }
}

export class OtlpSpanExporter extends OtlpHttpExporter<ReadableSpan[]> implements SpanExporter {
  constructor(sender: OtlpHttpSender, encoding: OtlpEncoding) {
    super(sender, lazySerializer((t) => (encoding === 'http/json' ? t.JsonTraceSerializer : t.ProtobufTraceSerializer)));
  }
}

export class OtlpLogExporter extends OtlpHttpExporter<ReadableLogRecord[]> implements LogRecordExporter {
  constructor(sender: OtlpHttpSender, encoding: OtlpEncoding) {
    super(sender, lazySerializer((t) => (encoding === 'http/json' ? t.JsonLogsSerializer : t.ProtobufLogsSerializer)));
  }
}

export class OtlpMetricExporter extends OtlpHttpExporter<ResourceMetrics> implements PushMetricExporter {
  private readonly temporality: (type: InstrumentType) => AggregationTemporality;

  constructor(sender: OtlpHttpSender, encoding: OtlpEncoding, preference: TemporalityPreference) {
    super(sender, lazySerializer((t) => (encoding === 'http/json' ? t.JsonMetricsSerializer : t.ProtobufMetricsSerializer)));
    this.temporality = temporalitySelector(preference);
  }

  /** The reader asks this for every instrument (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE). */
  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.temporality(type);
  }
}
