import { onAgentShutdown } from '../runtime/running-agent';

interface ReadinessState {
  ready: boolean;
  shuttingDown: boolean;
}

// On globalThis so that a CJS and an ESM copy of this module (dual loading) share one answer.
const KEY = Symbol.for('otel-companion.readiness');
const state: ReadinessState = ((globalThis as Record<symbol, unknown>)[KEY] as ReadinessState | undefined) ?? { ready: false, shuttingDown: false };
(globalThis as Record<symbol, unknown>)[KEY] = state;

// The agent's shutdown starts on SIGTERM/SIGINT (whether or not the app handles them itself) and on
// an explicit shutdown(); from then on /ready answers 503 so the load balancer drains this instance.
onAgentShutdown(() => {
  state.shuttingDown = true;
});

/** The app finished starting (pools connected, caches warm): GET /ready answers 200 from now on. */
export function markReady(): void {
  state.ready = true;
}

/** Take the instance out of rotation without shutting down (maintenance, lost dependency). */
export function markNotReady(): void {
  state.ready = false;
}

/**
 * Shutdown has begun: GET /ready answers 503 for good. The agent calls this itself when it runs;
 * apps that run without it call it from their own SIGTERM handler.
 */
export function markShuttingDown(): void {
  state.shuttingDown = true;
}

export function readiness(): Readonly<ReadinessState> {
  return state;
}
