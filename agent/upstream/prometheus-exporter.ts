import { EventEmitter } from 'node:events';
import { agentLog } from '../runtime/agent-log';
import { UNTRACED_SERVER } from '../runtime/untraced-server';

/**
 * Upstream reach: @opentelemetry/exporter-prometheus keeps its HTTP server in the private
 * `_server`. Scrapes are not app traffic, but the instrumented http.Server.prototype.emit would
 * give every scrape a server span and an http.server.request.duration point without a route. The
 * server's own `emit` skips that wrapper. Without `_server` (a future layout) scrapes are traced, a
 * debug line says so, and test/upstream/overrides.test.ts fails on the pinned versions.
 * Would be unnecessary with a way to keep the scrape endpoint out of instrumentation upstream:
 * https://github.com/open-telemetry/opentelemetry-js/issues/3623
 */
export function untraceScrapeServer(exporter: object): boolean {
  const server = (exporter as { _server?: { emit?: unknown; [UNTRACED_SERVER]?: boolean } })._server;
  if (server && typeof server.emit === 'function') {
    server.emit = EventEmitter.prototype.emit;
    // The agent's own server spans (from Node's diagnostics channels, not from emit) check this mark.
    server[UNTRACED_SERVER] = true;
    return true;
  }
  agentLog.debug('upstream override not in effect: the Prometheus exporter has no _server; scrapes of /metrics are traced');
  return false;
}
