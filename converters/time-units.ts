/**
 * Epoch timestamps given in the wrong unit. A Unix time in milliseconds has 12–13 digits for any
 * date from 1973 to 5138; 10 digits means seconds, 16 microseconds, 19 nanoseconds. Times outside
 * that window are refused with the unit they most likely are, instead of silently becoming 1970
 * or the far future.
 */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

const UNIT_WORD: Record<TimeUnit, string> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' };
/** Size of one unit in milliseconds. */
const IN_MS: Record<TimeUnit, number> = { s: 1e3, ms: 1, us: 1e-3, ns: 1e-6 };
/** The plausible window, in milliseconds: 1973-03-03 .. 5138-11-16. */
const MIN_MS = 1e11, MAX_MS = 1e14;

/** The unit an epoch value most likely has (by its digit count), or undefined when none fits. */
export function guessEpochUnit(value: number): TimeUnit | undefined {
  for (const unit of ['ms', 's', 'us', 'ns'] as const) {
    const ms = value * IN_MS[unit];
    if (ms >= MIN_MS && ms < MAX_MS) return unit;
  }
  return undefined;
}

/** An error text when `value` (expected in `expected`) is not a plausible epoch time; undefined when fine. */
export function wrongUnitMessage(value: number, expected: TimeUnit): string | undefined {
  const ms = value * IN_MS[expected];
  if (ms >= MIN_MS && ms < MAX_MS) return undefined;
  const unit = guessEpochUnit(value);
  if (unit === undefined) return `${value} is not a Unix time in ${UNIT_WORD[expected]} (it would be before 1973 or after 5138)`;
  const fixed = Math.round((value * IN_MS[unit]) / IN_MS[expected]);
  return `${value} looks like ${UNIT_WORD[unit]} since the epoch, but ${UNIT_WORD[expected]} are expected (did you mean ${fixed}?)`;
}
