import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  AlwaysOffSampler, AlwaysOnSampler, ConsoleSpanExporter, ParentBasedSampler, SimpleSpanProcessor,
  TraceIdRatioBasedSampler, type Sampler, type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { ExportHealth } from '../runtime/export-health';
import { AGENT_VERSION } from '../runtime/version';
import type { RequestOptions } from 'node:http';
import type { HttpClientDurationRecorder, HttpServerDurationRecorder } from '../runtime/duration-recorders';
import { installHttpClientTracing } from './http-client';
import { PgTracingInstrumentation, type PgTracingOptions } from './pg';
import { installHttpServerTracing, type HttpServerTracingOptions } from './http-server';
import { createTracingInstrumentations, type InstrumentationHooks, type TracingConfig } from './instrumentations';

export type { TracingConfig, InstrumentationHooks } from './instrumentations';

export interface TracingDeps {
  /** Instrumentations to load (agent/runtime/instrumentation-selection). */
  readonly activeInstrumentations: ReadonlySet<string>;
  /** The agent's own HTTP and pg spans (installHttpTracing, createPgTracing) instead of the contrib instrumentations. */
  readonly fastHttp: boolean;
  readonly hooks: InstrumentationHooks;
  /** Told of every export of spans (the outage lines). */
  readonly exportHealth: ExportHealth;
  /** The OTLP exporting processor (the export concern's), used with OTEL_TRACES_EXPORTER=otlp. */
  readonly exportProcessor?: SpanProcessor;
}

/** The tracing concern's parts; agent/bootstrap builds the TracerProvider from them. */
export interface TracingSetup {
  readonly sampler: Sampler;
  readonly propagator: TextMapPropagator;
  /** The exporting span processor, or undefined with OTEL_TRACES_EXPORTER=none. */
  readonly exportProcessor: SpanProcessor | undefined;
  readonly exportHealth: ExportHealth;
  readonly instrumentations: Instrumentation[];
  readonly spanLimits: { attributeValueLengthLimit: number };
}

export function createTracingSetup(config: TracingConfig, deps: TracingDeps): TracingSetup {
  const exportHealth = deps.exportHealth;
  return {
    sampler: buildSampler(config),
    propagator: buildPropagator(config),
    exportProcessor: spanExportProcessor(config, deps),
    exportHealth,
    instrumentations: createTracingInstrumentations(config, instrumentationsBuiltHere(deps), deps.hooks),
    spanLimits: { attributeValueLengthLimit: config.attributeValueLengthLimit },
  };
}

/** With the fast pipeline, http and pg are the agent's own (installHttpTracing, createPgTracing), not contrib instrumentations. */
function instrumentationsBuiltHere(deps: TracingDeps): ReadonlySet<string> {
  if (!deps.fastHttp) return deps.activeInstrumentations;
  const names = new Set(deps.activeInstrumentations);
  names.delete('http');
  names.delete('pg');
  return names;
}

/** The agent's own PostgreSQL spans (fast pipeline); an instrumentation for registerInstrumentations. */
export function createPgTracing(options: PgTracingOptions): Instrumentation {
  return new PgTracingInstrumentation(options);
}

export interface HttpTracingDeps extends Omit<HttpServerTracingOptions, 'scope' | 'startAttributes' | 'capturedHeaders' | 'duration'> {
  readonly hooks: InstrumentationHooks;
  readonly serverDuration?: HttpServerDurationRecorder;
  readonly clientDuration?: HttpClientDurationRecorder;
}

/** The agent's own HTTP server and client spans; returns how to take them back. Part of the install step. */
export function installHttpTracing(deps: HttpTracingDeps): () => void {
  const scope = { name: HTTP_SCOPE, version: AGENT_VERSION };
  const server = deps.hooks.http.headersToSpanAttributes?.server;
  const client = deps.hooks.http.headersToSpanAttributes?.client;
  const uninstallServer = installHttpServerTracing({
    sink: deps.sink, sampler: deps.sampler, contexts: deps.contexts, scope, duration: deps.serverDuration,
    startAttributes: deps.hooks.http.startIncomingSpanHook as HttpServerTracingOptions['startAttributes'],
    capturedHeaders: server ? { request: server.requestHeaders ?? [], response: server.responseHeaders ?? [] } : undefined,
  });
  const ignore = deps.hooks.http.ignoreOutgoingRequestHook as ((options: RequestOptions) => boolean) | undefined;
  const uninstallClient = installHttpClientTracing({
    sink: deps.sink, sampler: deps.sampler, contexts: deps.contexts, scope, duration: deps.clientDuration, ignore,
    capturedHeaders: client ? { request: client.requestHeaders ?? [], response: client.responseHeaders ?? [] } : undefined,
  });
  return () => {
    uninstallClient();
    uninstallServer();
  };
}

/** Instrumentation scope of the agent's own HTTP spans. */
export const HTTP_SCOPE = 'otel-companion/http';

function buildSampler(config: TracingConfig): Sampler {
  switch (config.sampler) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return new TraceIdRatioBasedSampler(config.samplerArg);
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerArg) });
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function buildPropagator(config: TracingConfig): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  for (const name of config.propagators) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
  }
  return new CompositePropagator({ propagators });
}

function spanExportProcessor(config: TracingConfig, deps: TracingDeps): SpanProcessor | undefined {
  if (config.tracesExporter === 'none') return undefined;
  if (config.tracesExporter === 'console') return new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  return deps.exportProcessor;
}
