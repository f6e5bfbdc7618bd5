/**
 * The one way tests wait: poll with a deadline, and throw when it passes.
 *
 * `probe` is called every `everyMs` until it returns a value other than `undefined` or `false`;
 * that value is returned. An exception from the probe counts as "not yet" (a server still
 * starting refuses connections). When `timeoutMs` has passed, `eventually` throws an error that
 * names what was awaited and the probe's last error, so a wait can never fall through silently.
 * `what` may be a function, evaluated only at the deadline, to include state such as an app's
 * stderr in the message.
 */
export async function eventually<T>(
  what: string | (() => string),
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const label = typeof what === 'function' ? what() : what;
      const cause = lastError ? `; last error: ${(lastError as Error).message ?? String(lastError)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
