// Public API of otel-companion. Everything here works (as a no-op where it must) when the agent
// is not preloaded or is disabled, so app code never needs to check.
export { withSpan, getTracer, currentTraceId, currentSpanId } from './tracing/api';
export { startAgent, getRunningAgent, type RunningAgent } from './bootstrap/start-agent';
export { loadConfig, type AgentConfig } from './bootstrap/load-config';
export { createLogger, type Logger, type CreateLoggerOptions, type FileTransportOptions } from './logs/logger';
export { requestLogger, type RequestLoggerOptions } from './logs/request-logger';
export { recordEvent, startExecution, type BusinessEvent, type EventMeta, type Execution, type RecordEventOptions } from './events';
export { healthRouter, pgCheck, memoryCheck, markReady, markNotReady, markShuttingDown, checkHealth, type HealthCheck, type HealthRouterOptions, type HealthReport } from './health';
export { counter, histogram, gauge, type InstrumentOptions, type HistogramOptions } from './metrics';
export { ConsoleMetricsTracker, OtelMetricsTracker, getMetricsTracker, setMetricsTracker, type MetricsTracker, type ConsoleMetricsTrackerOptions, type OtelMetricsTrackerOptions } from './metrics';
export { nameDbPool } from './metrics';
