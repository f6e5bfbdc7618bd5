import { context, metrics, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import {
  CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator, setGlobalErrorHandler,
} from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ConsoleSpanExporter, ParentBasedSampler, SimpleSpanProcessor,
  TraceIdRatioBasedSampler, TracerProvider, type Sampler, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { loadConfig, formatProblem, type AgentConfig } from '../config';
import { createProcessorPipeline, type ProcessorPipeline } from '../processors';
import { createMetricsSetup } from '../metrics';
import { createLogsSetup } from '../logs';
import { createDevView } from '../devview';
import { agentLog, setAgentLogLevel } from './diagnostics';
import { buildResource } from './resource';
import { createSpanExporter, otlpUrl } from './exporters';
import { ExportHealth, trackExports } from './export-health';
import { createTracingInstrumentations } from './instrumentations';
import { CompanionContextManager } from './context-manager';
import { installFastAttributes } from './fast-attributes';
import { installShutdownHooks } from './shutdown';

export interface RunningAgent {
  readonly config: AgentConfig;
  readonly resource: Resource;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  readonly pipeline: ProcessorPipeline;
  readonly traceExportHealth: ExportHealth;
  /** Flushes and stops every signal, bounded by the shutdown timeout. Safe to call twice. */
  shutdown(): Promise<void>;
}

let running: RunningAgent | undefined;

export function getRunningAgent(): RunningAgent | undefined {
  return running;
}

const shutdownListeners = new Set<() => void>();

/** Called once when the agent's shutdown begins (signal, beforeExit or shutdown()), before the flush. */
export function onAgentShutdown(listener: () => void): void {
  shutdownListeners.add(listener);
}

function buildSampler(config: AgentConfig): Sampler {
  const s = config.standard;
  switch (s.sampler) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return new TraceIdRatioBasedSampler(s.samplerArg);
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(s.samplerArg) });
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function buildPropagator(config: AgentConfig): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  for (const name of config.standard.propagators) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
  }
  return new CompositePropagator({ propagators });
}

/** Errors the SDK reports through the global handler: export failures are told by ExportHealth. */
function installQuietErrorHandler(): void {
  const seen = new Map<string, number>();
  setGlobalErrorHandler((err) => {
    const text = err instanceof Error ? err.message : String(err);
    const key = text.slice(0, 60);
    const now = Date.now();
    if ((seen.get(key) ?? 0) > now - 60_000) return;
    // Bounded: distinct messages (ids, addresses in them) must not grow memory in a long-lived app.
    if (seen.size >= 256) seen.clear();
    seen.set(key, now);
    agentLog.debug('sdk error:', text);
  });
}

function spanExportProcessor(config: AgentConfig, health: ExportHealth): SpanProcessor | undefined {
  const s = config.standard;
  if (s.tracesExporter === 'none') return undefined;
  if (s.tracesExporter === 'console') return new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  const exporter: SpanExporter = trackExports(createSpanExporter(config), health, (spans: unknown[]) => spans.length);
  return new BatchSpanProcessor({
    exporter,
    scheduledDelayMillis: s.bspScheduleDelayMs,
    exportTimeoutMillis: s.bspExportTimeoutMs,
    maxQueueSize: s.bspMaxQueueSize,
    maxExportBatchSize: Math.min(s.bspMaxExportBatchSize, s.bspMaxQueueSize),
  });
}

/**
 * Starts tracing, metrics and logs from the environment. Never throws: on any failure the app runs
 * uninstrumented and one line says why.
 */
export function startAgent(env: NodeJS.ProcessEnv = process.env): RunningAgent | undefined {
  if (running) return running;
  try {
    const { config, problems } = loadConfig(env);
    for (const p of problems) agentLog.always(formatProblem(p));
    if (config.standard.sdkDisabled) return undefined;
    setAgentLogLevel(config.standard.logLevel);
    installQuietErrorHandler();
    installFastAttributes();

    const pipeline = createProcessorPipeline(config, {
      collectorUrls: [otlpUrl(config, 'traces'), otlpUrl(config, 'metrics'), otlpUrl(config, 'logs')],
    });
    // deployment.environment.name from the enrichment settings (processors concern).
    const resource = buildResource(config).merge(resourceFromAttributes(pipeline.resourceAttributes));
    const traceExportHealth = new ExportHealth('spans', otlpUrl(config, 'traces'));
    const exporting = spanExportProcessor(config, traceExportHealth);
    const devView = createDevView(config);
    const spanProcessors: SpanProcessor[] = [];
    if (exporting) spanProcessors.push(pipeline.wrapSpanProcessor(exporting));
    for (const p of devView.spanProcessors) spanProcessors.push(pipeline.wrapSpanProcessor(p));

    const tracerProvider = new TracerProvider({
      resource,
      sampler: pipeline.wrapSampler(buildSampler(config)),
      spanProcessors,
      spanLimits: { attributeValueLengthLimit: config.standard.attributeValueLengthLimit },
    });
    context.setGlobalContextManager(new CompanionContextManager().enable());
    propagation.setGlobalPropagator(buildPropagator(config));
    trace.setGlobalTracerProvider(tracerProvider);

    const metricsSetup = createMetricsSetup(config);
    const meterProvider = new MeterProvider({ resource, readers: metricsSetup.readers, views: metricsSetup.views });
    metrics.setGlobalMeterProvider(meterProvider);

    const logsSetup = createLogsSetup(config);
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [...logsSetup.processors, ...devView.logRecordProcessors].map((p) => pipeline.wrapLogRecordProcessor(p)),
    });
    logs.setGlobalLoggerProvider(loggerProvider);

    const instrumentations: Instrumentation[] = [
      ...createTracingInstrumentations(config, pipeline),
      ...metricsSetup.instrumentations,
      ...logsSetup.instrumentations,
    ];
    registerInstrumentations({ instrumentations, tracerProvider, meterProvider });

    const stopAll = async () => {
      for (const listener of shutdownListeners) {
        try { listener(); } catch { /* a listener must not stop the flush */ }
      }
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    };
    const shutdown = installShutdownHooks({ shutdown: stopAll }, config.tracing.shutdownTimeoutMs, config.tracing.handleSignals);

    running = { config, resource, tracerProvider, meterProvider, loggerProvider, pipeline, traceExportHealth, shutdown };
    agentLog.info(`started: ${instrumentations.map((i) => i.instrumentationName.replace('@opentelemetry/instrumentation-', '')).join(', ')}`);
    return running;
  } catch (err) {
    agentLog.always(`otel-companion could not start (${(err as Error)?.message ?? String(err)}); the app runs without telemetry`);
    return undefined;
  }
}
