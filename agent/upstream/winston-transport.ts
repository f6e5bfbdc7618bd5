import type TransportStream from 'winston-transport';
import { agentLog } from '../runtime/agent-log';

/**
 * Upstream reach: @opentelemetry/instrumentation-winston adds its own OTLP transport to every
 * winston logger it sees configured, and exports no way to tell that transport apart: its class,
 * `OpenTelemetryTransportV3` from @opentelemetry/winston-transport, is created inside the
 * instrumentation. createLogger() brings its own OTLP transport (each record exported once), so
 * it removes the instrumentation's, matched by constructor name. If the name changes, both stay
 * and records are exported twice; the check in test/upstream/overrides.test.ts fails first.
 * Would be unnecessary if the instrumentation took the transport to add as an option:
 * https://github.com/open-telemetry/opentelemetry-js-contrib/issues/2558
 */
export const INSTRUMENTATION_TRANSPORT_CLASS = 'OpenTelemetryTransportV3';

/** Whether `transport` is the OTLP transport instrumentation-winston adds to loggers. */
export function isInstrumentationTransport(transport: TransportStream): boolean {
  return transport.constructor?.name === INSTRUMENTATION_TRANSPORT_CLASS;
}

/**
 * Whether the class the instrumentation uses still has the name the match relies on (the override
 * is in effect). `load` is for tests, which point it at a fake module. Logs a debug line when not.
 */
export function winstonTransportMatchActive(load: () => unknown = () => require('@opentelemetry/winston-transport')): boolean {
  try {
    const mod = load() as Record<string, unknown>;
    const cls = mod[INSTRUMENTATION_TRANSPORT_CLASS] as { name?: string } | undefined;
    if (typeof cls === 'function' && cls.name === INSTRUMENTATION_TRANSPORT_CLASS) return true;
  } catch {
    // fall through to the debug line
  }
  agentLog.debug(`upstream override not in effect: @opentelemetry/winston-transport has no ${INSTRUMENTATION_TRANSPORT_CLASS}; winston records may be exported twice`);
  return false;
}
