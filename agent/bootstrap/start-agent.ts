import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { agentLog, setAgentLogLevel } from '../runtime/agent-log';
import { ExportHealth, registerDroppedMetric, SELF_METER } from '../runtime/export-health';
import { createOtlpExport, type OtlpExport } from '../export';
import { AGENT_VERSION } from '../runtime/version';
import { activeInstrumentationNames } from '../runtime/instrumentation-selection';
import { otlpUrl } from '../runtime/otlp-endpoints';
import { notifyAgentShutdown, setAgentRuntime } from '../runtime/running-agent';
import { CompanionContextManager } from '../upstream/context-manager';
import { installFastAttributes } from '../upstream/fast-attributes';
import { createProcessorPipeline, type ProcessorPipeline } from '../processors';
import { createPgTracing, createTracingSetup, installHttpTracing } from '../tracing';
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
    // The SDK's Exception: an Error, a string, or a plain { code, message, name } object (which
    // String() would turn into '[object Object]', one dedupe key for all of them).
    const text = typeof err === 'string' ? err : String(err?.message ?? err?.name ?? err?.code);
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
export function metricsSetupFor(config: AgentConfig, otlp: OtlpExport = createOtlpExport(config.export)): MetricsSetup {
  return createMetricsSetup(config.metrics, {
    activeInstrumentations: activeInstrumentationNames(config.agent.enabledInstrumentations, config.agent.disabledInstrumentations),
    createMetricExporter: (maxTimeoutMs) => otlp.metricExporter(maxTimeoutMs),
    createPeriodicReader: (options) => otlp.periodicReader(options),
    metricsUrl: otlpUrl(config.export, 'metrics'),
    pipeline: config.agent.pipeline,
  });
}

function disableAll(instrumentations: readonly Instrumentation[]): void {
  for (const i of instrumentations) {
    try {
      i.disable();
    } catch {
      // an instrumentation that cannot be disabled must not stop the others
    }
  }
}

/**
 * The composition root: starts tracing, metrics and logs from the environment. Each concern gets
 * its own section of the settings and what it needs from the others.
 *
 * Everything is built first; the globals (context manager, propagator, providers), the dev view's
 * server hook and the shutdown hooks are installed last, in one step. If any step fails, what was
 * installed is taken back (the instrumentations, which patch as they are built, are disabled again)
 * and what was built is shut down: the app runs untraced, never half-instrumented, and one line
 * says why. Never throws.
 */
export function startAgent(env: NodeJS.ProcessEnv = process.env): RunningAgent | undefined {
  if (running) return running;
  const undo: Array<() => void> = [];
  try {
    const { config, problems } = loadConfig(env);
    for (const p of problems) agentLog.always(formatProblem(p));
    if (config.agent.sdkDisabled) return undefined;
    setAgentLogLevel(config.agent.logLevel);
    installQuietErrorHandler();
    installFastAttributes();

    // Build: nothing here changes how the app runs.
    const active = activeInstrumentationNames(config.agent.enabledInstrumentations, config.agent.disabledInstrumentations);
    const urls = exportUrls(config);
    const pipeline = processorPipelineFor(config, env);
    // deployment.environment.name from the enrichment settings (processors concern).
    const resource = buildResource(config.agent).merge(resourceFromAttributes(pipeline.resourceAttributes));

    const fast = config.agent.pipeline === 'fast';
    // Every OTLP export of the three signals is the export concern's: one transport, and no export
    // keeps the process alive until the shutdown flush.
    const otlp = createOtlpExport(config.export);
    const traceHealth = new ExportHealth('traces', 'spans', urls.traces);
    const spanBatch = {
      health: traceHealth, scheduleDelayMs: config.tracing.bspScheduleDelayMs, exportTimeoutMs: config.tracing.bspExportTimeoutMs,
      maxQueueSize: config.tracing.bspMaxQueueSize, maxExportBatchSize: config.tracing.bspMaxExportBatchSize,
    };
    // The fast pipeline encodes spans to OTLP/protobuf as they end; otherwise spans are batched as objects.
    const spanExport = config.tracing.tracesExporter !== 'otlp' ? undefined
      : fast && config.export.otlpProtocol === 'http/protobuf' ? otlp.encodedTraceExport({ ...spanBatch, resource })
      : otlp.batchSpanExport(spanBatch);
    const tracing = createTracingSetup(config.tracing, {
      activeInstrumentations: active,
      fastHttp: fast,
      exportHealth: traceHealth,
      exportProcessor: spanExport,
      hooks: { http: pipeline.httpConfig, pg: pipeline.pgConfig, pgMetricsReplaced: config.metrics.pgMetrics },
    });
    undo.push(() => disableAll(tracing.instrumentations));
    const devView = createDevView(config.devview, env);
    const sampler = pipeline.wrapSampler(tracing.sampler);
    const spanProcessors = pipeline.wrapSpanProcessors([...(tracing.exportProcessor ? [tracing.exportProcessor] : []), ...devView.spanProcessors]);
    const tracerProvider = new TracerProvider({ resource, sampler, spanProcessors, spanLimits: tracing.spanLimits });
    undo.push(() => void tracerProvider.shutdown().catch(() => undefined));

    const metricsSetup = metricsSetupFor(config, otlp);
    undo.push(() => disableAll(metricsSetup.instrumentations));
    // Readers start their timers and the Prometheus endpoint as the provider takes them.
    const meterProvider = new MeterProvider({ resource, readers: metricsSetup.readers, views: metricsSetup.views });
    undo.push(() => void meterProvider.shutdown().catch(() => undefined));
    registerDroppedMetric(meterProvider.getMeter(SELF_METER, AGENT_VERSION));

    const logsSetup = createLogsSetup(config.logs, {
      activeInstrumentations: active,
      createLogExport: (options) => otlp.batchLogExport(options),
      logsUrl: urls.logs,
    });
    undo.push(() => disableAll(logsSetup.instrumentations));
    const loggerProvider = new LoggerProvider({
      resource,
      processors: pipeline.wrapLogRecordProcessors([...logsSetup.processors, ...devView.logRecordProcessors]),
    });
    undo.push(() => void loggerProvider.shutdown().catch(() => undefined));
    const instrumentations: Instrumentation[] = [...tracing.instrumentations, ...metricsSetup.instrumentations, ...logsSetup.instrumentations];
    const contextManager = new CompanionContextManager();
    const fastSink = { processors: spanProcessors, resource, attributeValueLengthLimit: tracing.spanLimits.attributeValueLengthLimit, attributeCountLimit: 128 };
    if (fast && active.has('pg')) {
      instrumentations.push(createPgTracing({
        sink: fastSink, sampler, contexts: contextManager, connectSpans: config.tracing.pgPoolConnectSpans,
        recordParameters: config.processors.dbRecordParameters, duration: metricsSetup.durations?.db,
      }));
    }

    const stopAll = async () => {
      notifyAgentShutdown();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    };
    const agent: RunningAgent = {
      config, resource, tracerProvider, meterProvider, loggerProvider, pipeline, traceExportHealth: tracing.exportHealth,
      redact: pipeline.redact,
      shutdown: stopAll,
    };

    // Install, in one step.
    undo.push(() => {
      trace.disable();
      context.disable();
      propagation.disable();
      metrics.disable();
      logs.disable();
    });
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(tracing.propagator);
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    logs.setGlobalLoggerProvider(loggerProvider);
    registerInstrumentations({ instrumentations, tracerProvider, meterProvider });
    if (fast && active.has('http')) {
      undo.push(installHttpTracing({
        serverDuration: metricsSetup.durations?.httpServer,
        clientDuration: metricsSetup.durations?.httpClient,
        sink: fastSink,
        sampler,
        contexts: contextManager,
        hooks: { http: pipeline.httpConfig, pg: pipeline.pgConfig, pgMetricsReplaced: config.metrics.pgMetrics },
      }));
    }
    undo.push(devView.install());
    logsSetup.activate();
    const hooks = installShutdownHooks({
      holdProcess: () => otlp.holdProcess(),
      shutdown: stopAll,
      abort: () => otlp.abort(),
    }, config.agent.shutdownTimeoutMs, config.agent.handleSignals);
    undo.push(() => hooks.uninstall());

    running = { ...agent, shutdown: hooks.shutdown };
    setAgentRuntime(running);
    agentLog.info(`started: ${instrumentations.map((i) => i.instrumentationName.replace('@opentelemetry/instrumentation-', '')).join(', ')}`);
    return running;
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // keep taking the rest back
      }
    }
    agentLog.always(`otel-companion could not start (${(err as Error)?.message ?? String(err)}); the app runs without telemetry`);
    return undefined;
  }
}
