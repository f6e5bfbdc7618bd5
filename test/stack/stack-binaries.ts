import { join } from 'node:path';
import { requireBinary } from '../alerting/binaries';
import { eventually as poll } from '../helpers/eventually';
import { stackBinDir } from '../../scripts/stack/native.mjs';

/** The native stack's binaries: loud skip on a dev machine without them, failure under CI=true. */
const hint = 'bash scripts/stack/provision.sh';
export const stackBinaries = [
  requireBinary('otelcol-companion (ocb build)', hint, [join(stackBinDir, 'otelcol-companion')]),
  requireBinary('jaeger (v2, Go modules)', hint, [join(stackBinDir, 'jaeger')]),
  requireBinary('prometheus', hint),
  requireBinary('prometheus-alertmanager', hint),
];
export const canRunStack = stackBinaries.every((b) => b.shouldRun);

/** `eventually` with the stack's pace: its services take tens of seconds to show data, so a long deadline and a 1-s poll. */
export const eventually = <T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, everyMs = 1000) =>
  poll(what, probe, timeoutMs, everyMs);
