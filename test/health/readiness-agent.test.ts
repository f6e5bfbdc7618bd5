import { describe, expect, it } from 'vitest';
import { runApp } from '../helpers/run-app';
import { eventually } from '../helpers/eventually';

const APP = 'test/health/fixtures/ready-app.cjs';

async function readyStatus(base: string): Promise<number> {
  return (await fetch(`${base}/ready`)).status;
}

describe('GET /ready under the preload agent', () => {
  it('is 503 before markReady(), 200 after, and 503 again as soon as SIGTERM starts the shutdown', async () => {
    const app = await runApp(APP, { env: { READY_DELAY_MS: '1500', DRAIN_MS: '1500', OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' } });
    try {
      expect(await readyStatus(app.baseUrl)).toBe(503);
      await eventually('GET /ready to answer 200 after markReady()', async () => (await readyStatus(app.baseUrl)) === 200);
      const health = await fetch(`${app.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy', version: '1.2.3' });

      app.child.kill('SIGTERM');
      await eventually(() => `DRAINING on stdout:\n${app.stdout()}`, () => app.stdout().includes('DRAINING'), 5_000, 20);
      // The app still serves while it drains, but tells the load balancer to stop sending.
      expect(await readyStatus(app.baseUrl)).toBe(503);
      expect((await fetch(`${app.baseUrl}/hello`)).status).toBe(200);
      const exit = await app.exited;
      expect(exit.code).toBe(0);
    } finally {
      await app.stop();
    }
  });

  it('does not keep an app without its own SIGTERM handler alive', async () => {
    // The fixture handles SIGTERM only; SIGINT must still end it the way Node's default would.
    const app = await runApp(APP, { env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' } });
    const exit = await app.stop('SIGINT');
    expect(exit.signal).toBe('SIGINT');
  });
});
