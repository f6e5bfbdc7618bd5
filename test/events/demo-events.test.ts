import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { runApp, type RunningApp } from '../helpers/run-app';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { getPgUrl } from '../helpers/postgres';

// The demo app (examples/demo-app) under the agent, on its own database of the suite's PostgreSQL.
describe('demo app: import-participants events, /health and /ready', () => {
  const database = `events_demo_${process.pid}`;
  let receiver: OtlpReceiver;
  let app: RunningApp;

  beforeAll(async () => {
    const admin = new Client({ connectionString: getPgUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(getPgUrl());
    url.pathname = `/${database}`;
    receiver = await startOtlpReceiver();
    app = await runApp('examples/demo-app/server.js', {
      env: { DATABASE_URL: url.toString(), PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'demo-under-test', OTEL_BLRP_SCHEDULE_DELAY: '200' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
    const admin = new Client({ connectionString: getPgUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('is ready and healthy once started', async () => {
    expect((await fetch(`${app.baseUrl}/ready`)).status).toBe(200);
    const health = await fetch(`${app.baseUrl}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; checks: Record<string, { status: string; latency_ms: number }> };
    expect(body.status).toBe('healthy');
    expect(body.checks.postgres!.status).toBe('ok');
    expect(body.checks.memory!.status).toBe('ok');
  });

  it('records started + imported with the count, and started + failed with the reason', async () => {
    const ok = await fetch(`${app.baseUrl}/participants/import`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'Ada', email: 'ada@example.com' }, { name: 'Grace', email: 'grace@example.com' }]),
    });
    expect(ok.status).toBe(201);
    const bad = await fetch(`${app.baseUrl}/participants/import`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ name: 'No Email' }]),
    });
    expect(bad.status).toBe(400);

    const names = () => receiver.logs().map((l) => l.eventName).filter(Boolean);
    await receiver.waitFor(() => names().includes('participants-imported') && names().includes('import-participants-failed'), 15_000, 'event records');
    expect(names().filter((n) => n === 'import-participants-started')).toHaveLength(2);

    const imported = receiver.logs().find((l) => l.eventName === 'participants-imported')!;
    expect(imported.attributes).toMatchObject({ 'event.context': 'import-participants', meta: { count: 2, nr_of_imported_participants: 2 } });
    const failed = receiver.logs().find((l) => l.eventName === 'import-participants-failed')!;
    expect(failed.attributes).toMatchObject({ 'event.context': 'import-participants', meta: { reason: '1 participant(s) failed validation' } });
    // Started and failed share the execution id of that request.
    const started = receiver.logs().filter((l) => l.eventName === 'import-participants-started' && l.traceId === failed.traceId);
    expect(started).toHaveLength(1);
    expect(started[0]!.attributes.execution_id).toBe(failed.attributes.execution_id);

    await receiver.waitFor(
      () => receiver.metricPoints().some((p) => p.name === 'app.events' && p.attributes['event.name'] === 'import-participants-failed'),
      15_000, 'app.events for the failure',
    );
  });
});
