import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { requireBinary, type RequiredBinary } from '../alerting/binaries';
import { onCI } from '../helpers/ci';
import { eventually as poll } from '../helpers/eventually';
import { stackBinDir } from '../../scripts/stack/native.mjs';

/** The native stack's binaries: loud skip on a dev machine without them, failure on CI (any truthy CI). */
const hint = 'bash scripts/stack/provision.sh';
export const stackBinaries = [
  requireBinary('otelcol-companion (ocb build)', hint, [join(stackBinDir, 'otelcol-companion')]),
  requireBinary('jaeger (v2, Go modules)', hint, [join(stackBinDir, 'jaeger')]),
  requireBinary('prometheus', hint),
  requireBinary('prometheus-alertmanager', hint),
  requireBinary('victoria-logs (Go modules)', hint, [join(stackBinDir, 'victoria-logs')]),
];
export const canRunStack = stackBinaries.every((b) => b.shouldRun);

/** `eventually` with the stack's pace: its services take tens of seconds to show data, so a long deadline and a 1-s poll. */
export const eventually = <T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, everyMs = 1000) =>
  poll(what, probe, timeoutMs, everyMs);

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
  if (!present && !onCI()) console.warn(`\n!!! SKIPPED: ${name} missing (${path}); these checks did NOT run. Install: ${installHint} (on CI this is a failure)\n`);
  return {
    name,
    path: present ? path : undefined,
    shouldRun: present || onCI(),
    require() {
      if (!present) throw new Error(`${name} is required on CI but missing: ${path}. Install: ${installHint}`);
      return path;
    },
  };
}
