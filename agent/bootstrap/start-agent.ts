import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { agentLog, setAgentLogLevel } from '../runtime/agent-log';
import type { ExportHealth } from '../runtime/export-health';
import { activeInstrumentationNames } from '../runtime/instrumentation-selection';
import { createLogExporter, createMetricExporter, createSpanExporter, otlpUrl } from '../runtime/otlp-exporters';
import { notifyAgentShutdown, setAgentRuntime } from '../runtime/running-agent';
import { CompanionContextManager } from '../upstream/context-manager';
import { installFastAttributes } from '../upstream/fast-attributes';
import { createProcessorPipeline, type ProcessorPipeline } from '../processors';
import { createTracingSetup } from '../tracing';
import { createMetricsSetup, type MetricsSetup } from '../metrics';
import { createLogsSetup } from '../logs';
import { createDevView } from '../devview';
import { loadConfig, formatProblem, type AgentConfig } from './load-config';
import { buildResource } from './resource';
import { installShutdownHooks } from './shutdown';

export interface RunningAgent {
  readonly config: AgentConfig;
  readonly resource: Resource;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  readonly pipeline: ProcessorPipeline;
  readonly traceExportHealth: ExportHealth;
  /** Redacts any value with the agent's rules (identity when redaction is off). */
  redact(value: unknown): unknown;
  /** Flushes and stops every signal, bounded by the shutdown timeout. Safe to call twice. */
  shutdown(): Promise<void>;
}

let running: RunningAgent | undefined;

export function getRunningAgent(): RunningAgent | undefined {
  return running;
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

function exportUrls(config: AgentConfig): Record<'traces' | 'metrics' | 'logs', string> {
  return { traces: otlpUrl(config.export, 'traces'), metrics: otlpUrl(config.export, 'metrics'), logs: otlpUrl(config.export, 'logs') };
}

/** The processors concern as the agent sets it up from its whole configuration (also for tests and benches). */
export function processorPipelineFor(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): ProcessorPipeline {
  const urls = exportUrls(config);
  return createProcessorPipeline(config.processors, {
    collectorUrls: [urls.traces, urls.metrics, urls.logs],
    attributeValueLengthLimit: config.tracing.attributeValueLengthLimit,
    processDetector: config.agent.resourceDetectors.includes('process'),
    resourceAttributes: config.agent.resourceAttributes,
    env,
  });
}

/** The metrics concern as the agent sets it up from its whole configuration (also for tests). */
export function metricsSetupFor(config: AgentConfig): MetricsSetup {
  return createMetricsSetup(config.metrics, {
    activeInstrumentations: activeInstrumentationNames(config.agent.enabledInstrumentations, config.agent.disabledInstrumentations),
    createMetricExporter: () => createMetricExporter(config.export),
    metricsUrl: otlpUrl(config.export, 'metrics'),
  });
}

/**
 * The composition root: starts tracing, metrics and logs from the environment. Each concern gets
 * its own section of the settings and what it needs from the others. Never throws: on any failure
 * the app runs uninstrumented and one line says why.
 */
export function startAgent(env: NodeJS.ProcessEnv = process.env): RunningAgent | undefined {
  if (running) return running;
  try {
    const { config, problems } = loadConfig(env);
    for (const p of problems) agentLog.always(formatProblem(p));
    if (config.agent.sdkDisabled) return undefined;
    setAgentLogLevel(config.agent.logLevel);
    installQuietErrorHandler();
    installFastAttributes();

    const active = activeInstrumentationNames(config.agent.enabledInstrumentations, config.agent.disabledInstrumentations);
    const urls = exportUrls(config);
    const pipeline = processorPipelineFor(config, env);
    // deployment.environment.name from the enrichment settings (processors concern).
    const resource = buildResource(config.agent).merge(resourceFromAttributes(pipeline.resourceAttributes));

    const tracing = createTracingSetup(config.tracing, {
      activeInstrumentations: active,
      hooks: { http: pipeline.httpConfig, pg: pipeline.pgConfig, pgMetricsReplaced: config.metrics.pgMetrics },
      createSpanExporter: () => createSpanExporter(config.export),
      tracesUrl: urls.traces,
    });
    const devView = createDevView(config.devview, env);
    const spanProcessors: SpanProcessor[] = [];
    if (tracing.exportProcessor) spanProcessors.push(pipeline.wrapSpanProcessor(tracing.exportProcessor));
    for (const p of devView.spanProcessors) spanProcessors.push(pipeline.wrapSpanProcessor(p));

    const tracerProvider = new TracerProvider({
      resource,
      sampler: pipeline.wrapSampler(tracing.sampler),
      spanProcessors,
      spanLimits: tracing.spanLimits,
    });
    context.setGlobalContextManager(new CompanionContextManager().enable());
    propagation.setGlobalPropagator(tracing.propagator);
    trace.setGlobalTracerProvider(tracerProvider);

    const metricsSetup = metricsSetupFor(config);
    const meterProvider = new MeterProvider({ resource, readers: metricsSetup.readers, views: metricsSetup.views });
    metrics.setGlobalMeterProvider(meterProvider);

    const logsSetup = createLogsSetup(config.logs, {
      activeInstrumentations: active,
      createLogExporter: () => createLogExporter(config.export),
    });
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [...logsSetup.processors, ...devView.logRecordProcessors].map((p) => pipeline.wrapLogRecordProcessor(p)),
    });
    logs.setGlobalLoggerProvider(loggerProvider);

    const instrumentations: Instrumentation[] = [
      ...tracing.instrumentations,
      ...metricsSetup.instrumentations,
      ...logsSetup.instrumentations,
    ];
    registerInstrumentations({ instrumentations, tracerProvider, meterProvider });

    const stopAll = async () => {
      notifyAgentShutdown();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    };
    const shutdown = installShutdownHooks({ shutdown: stopAll }, config.agent.shutdownTimeoutMs, config.agent.handleSignals);

    running = {
      config, resource, tracerProvider, meterProvider, loggerProvider, pipeline, traceExportHealth: tracing.exportHealth,
      redact: pipeline.redact, shutdown,
    };
    setAgentRuntime(running);
    agentLog.info(`started: ${instrumentations.map((i) => i.instrumentationName.replace('@opentelemetry/instrumentation-', '')).join(', ')}`);
    return running;
  } catch (err) {
    agentLog.always(`otel-companion could not start (${(err as Error)?.message ?? String(err)}); the app runs without telemetry`);
    return undefined;
  }
}
