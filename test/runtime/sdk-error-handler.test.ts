import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/postgres';
import { runApp } from '../helpers/run-app';

// The agent takes over the SDK's global error handler and tells each error once, at debug level.
// The SDK's Exception type is an Error, a string, or a plain { code, message, name } object.
describe('SDK errors reported through the global error handler', () => {
  it('are told by their message, name or code, whatever form they take', async () => {
    const closedPort = await freePort();
    const app = await runApp('test/fixtures/apps/sdk-errors.cjs', {
      waitForListening: false,
      env: { OTEL_LOG_LEVEL: 'debug', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`, OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS: '500' },
    });
    const exit = await app.exited;
    expect(exit.code, app.stderr()).toBe(0);
    expect(app.stdout()).toContain('REPORTED');
    const told = app.stderr().split('\n').filter((l) => l.includes('sdk error:')).map((l) => l.slice(l.indexOf('sdk error:') + 'sdk error: '.length));
    // In the order reported; the failed export to the closed port may follow.
    expect(told.slice(0, 5)).toEqual(['an Error instance', 'a plain string', 'a plain object with a message', 'NamedFailure', '42']);
  });
});
