import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { onCI, requireBinary, type RequiredBinary } from '../alerting/binaries';
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

/** The scale-out profile's additions: Thanos, Cassandra's jars (run by java), and the stack's own binaries. */
export const scaleBinaries = [
  ...stackBinaries,
  requireBinary('thanos (Go modules)', hint, [join(stackBinDir, 'thanos')]),
  requireBinary('java (Cassandra 5.0 on Java 17)', 'apt-get install openjdk-17-jre-headless', ['java']),
  requireFile('Cassandra jars (Maven Central)', hint, join(stackBinDir, '../cassandra/lib/.stamp')),
];
export const canRunScaleStack = scaleBinaries.every((b) => b.shouldRun);

/** Like requireBinary, for a provisioned file that is not a program (loud skip on a dev machine, failure under CI). */
function requireFile(name: string, installHint: string, path: string): RequiredBinary {
  const present = existsSync(path);
  if (!present && !onCI) console.warn(`\n!!! SKIPPED: ${name} missing (${path}); these checks did NOT run. Install: ${installHint} (under CI=true this is a failure)\n`);
  return {
    name,
    path: present ? path : undefined,
    shouldRun: present || onCI,
    require() {
      if (!present) throw new Error(`${name} is required (CI=true) but missing: ${path}. Install: ${installHint}`);
      return path;
    },
  };
}
