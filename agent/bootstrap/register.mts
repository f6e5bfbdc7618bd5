// Preload entry for ESM apps: `node --import otel-companion/register app.mjs`.
// One flag: the import-in-the-middle hooks are registered here with module.register, so no
// --experimental-loader is needed (opentelemetry-js#4933). The message channel limits the hooks
// to the modules our instrumentations patch, instead of wrapping every ESM module.
import { register, createRequire } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

const require = createRequire(import.meta.url);
let waitForHooks: (() => Promise<void>) | undefined;
try {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  waitForHooks = waitForAllMessagesAcknowledged;
} catch (err) {
  process.stderr.write(`otel-companion: ESM hooks unavailable (${(err as Error).message}); ESM imports will not be instrumented\n`);
}
require('./register.js');
if (waitForHooks) await waitForHooks();
