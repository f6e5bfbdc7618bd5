/**
 * Detects epoch timestamps given in the wrong unit. A Unix time in milliseconds has 13 digits
 * today (and since 1973); 10 digits means seconds, 16 microseconds, 19 nanoseconds. Values below
 * 1e8 are let through: they are relative times (tests, synthetic data), not a wrong epoch unit.
 */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

const UNIT_WORD: Record<TimeUnit, string> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' };
const SCALE: Record<TimeUnit, number> = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 };

/** The unit an epoch value most likely has, or undefined when it is too small to tell. */
export function guessEpochUnit(value: number): TimeUnit | undefined {
  if (!(value >= 1e8)) return undefined;
  if (value < 1e11) return 's';
  if (value < 1e14) return 'ms';
  if (value < 1e17) return 'us';
  return 'ns';
}

/** An error text when `value` (expected in `expected`) looks like another unit; undefined when fine. */
export function wrongUnitMessage(value: number, expected: TimeUnit): string | undefined {
  const unit = guessEpochUnit(value);
  if (unit === undefined || unit === expected) return undefined;
  const fixed = Math.round((value / SCALE[unit]) * SCALE[expected]);
  return `${value} looks like ${UNIT_WORD[unit]} since the epoch, but ${UNIT_WORD[expected]} are expected (did you mean ${fixed}?)`;
}
