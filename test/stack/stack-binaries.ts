import { join } from 'node:path';
import { requireBinary } from '../alerting/binaries';
import { stackBinDir } from '../../scripts/stack/native.mjs';

/** The native stack's binaries: loud skip on a dev machine without them, failure under CI=true. */
const hint = 'bash scripts/stack/provision.sh';
export const stackBinaries = [
  requireBinary('otelcol-companion (ocb build)', hint, [join(stackBinDir, 'otelcol-companion')]),
  requireBinary('jaeger (v2, Go modules)', hint, [join(stackBinDir, 'jaeger')]),
  requireBinary('prometheus', hint),
  requireBinary('prometheus-alertmanager', hint),
  requireBinary('victoria-logs (Go modules)', hint, [join(stackBinDir, 'victoria-logs')]),
];
export const canRunStack = stackBinaries.every((b) => b.shouldRun);

/** Polls `probe` until it returns a value (not undefined) or the time is up; the last error explains a timeout. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
