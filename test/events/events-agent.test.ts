import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApp, type RunningApp } from '../helpers/run-app';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';

describe('business events under the preload agent (OTLP end to end)', () => {
  let receiver: OtlpReceiver;
  let app: RunningApp;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp('test/events/fixtures/events-app.cjs', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'events-under-test', OTEL_BLRP_SCHEDULE_DELAY: '200' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('a failed import becomes span events on the request span, log records and app.events increments, secrets redacted', async () => {
    const res = await fetch(`${app.baseUrl}/import`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ name: 'a', email: 'a@x' }, { name: 'b' }]),
    });
    expect(res.status).toBe(422);
    const { execution_id: executionId } = (await res.json()) as { execution_id: string };

    await receiver.waitFor(() => receiver.spans().some((s) => s.kind === 2 && s.events.length >= 2), 15_000, 'server span with events');
    const server = receiver.spans().find((s) => s.kind === 2 && s.events.length >= 2)!;
    expect(executionId).toBe(server.traceId);
    expect(server.events.map((e) => e.name)).toEqual(['import-participants-started', 'import-participants-failed']);
    const failed = server.events[1]!;
    expect(failed.attributes).toMatchObject({
      'event.context': 'import-participants', execution_id: executionId, 'meta.reason': 'email missing', 'meta.failed': 1, 'meta.nr_of_imported_participants': 2,
    });
    expect(failed.attributes['meta.auth.password']).not.toBe('hunter2');

    await receiver.waitFor(() => receiver.logs().filter((l) => l.eventName?.startsWith('import-participants')).length >= 2, 15_000, 'event log records');
    const record = receiver.logs().find((l) => l.eventName === 'import-participants-failed')!;
    expect(record.attributes).toMatchObject({ 'event.name': 'import-participants-failed', 'event.context': 'import-participants', execution_id: executionId });
    expect(record.severityText).toBe('ERROR');
    expect(record.traceId?.toLowerCase()).toBe(server.traceId.toLowerCase());

    await receiver.waitFor(
      () => receiver.metricPoints().some((p) => p.name === 'app.events' && p.attributes['event.name'] === 'import-participants-failed'),
      15_000, 'app.events',
    );
    const point = receiver.metricPoints().filter((p) => p.name === 'app.events' && p.attributes['event.name'] === 'import-participants-failed').at(-1)!;
    expect(point.type).toBe('sum');
    expect(point.value).toBe(1);
    expect(point.attributes).toEqual({ 'event.name': 'import-participants-failed', 'event.context': 'import-participants' });

    // Nothing that left the process carries the password.
    expect(receiver.rawBodies.some((b) => b.includes('hunter2'))).toBe(false);
  });

  it('outside any request, an event gets a short span of its own', async () => {
    await receiver.waitFor(() => receiver.spans().some((s) => s.name === 'background-sweep'), 15_000, 'own span');
    const own = receiver.spans().find((s) => s.name === 'background-sweep')!;
    expect(own.parentSpanId).toBeUndefined();
    expect(own.events.map((e) => e.name)).toEqual(['background-sweep']);
    expect(own.events[0]!.attributes).toMatchObject({ 'event.context': 'sweeper', execution_id: own.traceId, 'meta.items': 3 });
  });

  it('after the request span ended, the event gets a child span in the same trace', async () => {
    await fetch(`${app.baseUrl}/late`);
    await receiver.waitFor(() => receiver.spans().some((s) => s.name === 'late-event'), 15_000, 'late span');
    const late = receiver.spans().find((s) => s.name === 'late-event')!;
    const server = receiver.spans().find((s) => s.kind === 2 && s.attributes['http.route'] === '/late')!;
    expect(late.traceId).toBe(server.traceId);
    expect(late.parentSpanId).toBe(server.spanId);
    expect(late.events[0]!.attributes).toMatchObject({ execution_id: server.traceId, 'meta.items': 2 });
  });
});
