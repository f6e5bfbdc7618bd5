/**
 * Are we on CI? Any truthy `CI` counts (`true`, `1`, `yes`, or a service's own value); unset,
 * empty, `0`, `false`, `no` and `off` (any case) do not. On CI a missing binary fails its suite
 * instead of skipping it. scripts/stack/lib.sh's `on_ci` applies the same rule to provisioning
 * (test/helpers/ci.test.ts keeps the two in step).
 */
export function onCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return !['', '0', 'false', 'no', 'off'].includes(value);
}
