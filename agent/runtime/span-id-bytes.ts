/**
 * Where tracing and export meet for span ids: a span object that has this property holds its ids
 * as bytes, so the OTLP encoder copies them instead of parsing its hex span context. The value is
 * a Uint8Array (or a view into a larger one) of 24 or 32 bytes: the trace id (16), the span id (8),
 * then the parent span id (8) when the span has a parent. The agent's own spans carry it
 * (tracing/fast-span.ts); spans of the SDK do not, and are encoded from their hex ids.
 */
export const SPAN_ID_BYTES: unique symbol = Symbol.for('otel-companion.export.span-id-bytes') as never;

export interface SpanIdBytes {
  readonly [SPAN_ID_BYTES]?: Uint8Array;
}
