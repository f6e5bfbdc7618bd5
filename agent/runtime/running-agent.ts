import type { Resource } from '@opentelemetry/resources';

/**
 * What the concerns may know of the running agent. The composition root (agent/bootstrap) sets it
 * once start-up has succeeded; app-facing helpers (createLogger, recordEvent, the health routes)
 * read it, and work without it when the agent is not loaded.
 */
export interface AgentRuntime {
  readonly resource: Resource;
  /** Redacts any value (event meta, log fields) with the agent's rules and returns a copy. Never throws. */
  redact(value: unknown): unknown;
}

const state: { agent: AgentRuntime | undefined; readonly shutdownListeners: Set<() => void> } = {
  agent: undefined,
  shutdownListeners: new Set(),
};

export function getAgentRuntime(): AgentRuntime | undefined {
  return state.agent;
}

export function setAgentRuntime(agent: AgentRuntime): void {
  state.agent = agent;
}

/** Called once when the agent's shutdown begins (signal, beforeExit or shutdown()), before the flush. */
export function onAgentShutdown(listener: () => void): void {
  state.shutdownListeners.add(listener);
}

/** Runs the shutdown listeners; one that throws does not stop the others. */
export function notifyAgentShutdown(): void {
  for (const listener of state.shutdownListeners) {
    try {
      listener();
    } catch {
      // a listener must not stop the flush
    }
  }
}

/**
 * A string attribute of the running agent's resource, read without waiting for the asynchronous
 * detectors (reading `resource.attributes` early logs an SDK error; service.name and
 * service.version are always set synchronously).
 */
export function agentResourceString(key: string): string | undefined {
  const resource = state.agent?.resource;
  if (!resource) return undefined;
  try {
    const raw = resource.getRawAttributes();
    for (let i = raw.length - 1; i >= 0; i--) {
      const [k, v] = raw[i]!;
      if (k === key && typeof v === 'string') return v;
    }
  } catch {
    // fall through
  }
  return undefined;
}
