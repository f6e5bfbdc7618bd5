import { getRunningAgent } from '../tracing/sdk';

/**
 * A string attribute of the running agent's resource, read without waiting for the asynchronous
 * detectors (reading `resource.attributes` early logs an SDK error; service.name and
 * service.version are always set synchronously).
 */
export function agentResourceString(key: string): string | undefined {
  const resource = getRunningAgent()?.resource;
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
