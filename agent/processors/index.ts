import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { PgInstrumentationConfig } from '@opentelemetry/instrumentation-pg';
import type { AgentConfig } from '../config';

/**
 * Redaction, enrichment and filtering of every signal, from one set of compiled rules.
 * PLACEHOLDER: passes everything through until the processors concern lands.
 */
export interface ProcessorPipeline {
  /** Drops whole traces for filtered routes and calls to the collector itself. */
  wrapSampler(base: Sampler): Sampler;
  /** Runs before `next` (the exporting processor): redacts and enriches spans and span events. */
  wrapSpanProcessor(next: SpanProcessor): SpanProcessor;
  /** Runs before `next`: redacts log records. */
  wrapLogRecordProcessor(next: LogRecordProcessor): LogRecordProcessor;
  /** Redacts any value (business-event meta, log fields). Never throws. */
  redact(value: unknown): unknown;
  /** Extra options for the http instrumentation (header capture, ignore hooks). */
  readonly httpConfig: Partial<HttpInstrumentationConfig>;
  /** Extra options for the pg instrumentation. */
  readonly pgConfig: Partial<PgInstrumentationConfig>;
}

export interface PipelineContext {
  /** Export URLs of this agent: calls to them are never traced. */
  readonly collectorUrls: readonly string[];
}

export function createProcessorPipeline(_config: AgentConfig, _ctx: PipelineContext): ProcessorPipeline {
  return {
    wrapSampler: (base) => base,
    wrapSpanProcessor: (next) => next,
    wrapLogRecordProcessor: (next) => next,
    redact: (v) => v,
    httpConfig: {},
    pgConfig: {},
  };
}
