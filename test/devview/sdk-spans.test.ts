import { describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { spansToScheme } from '../../converters/otlp-to-scheme';
import { validateDocument } from '../../converters/validate';
import { renderTree } from '../../agent/devview/tree';

describe('SDK spans and log records → scheme (what the dev view shows)', () => {
  it('nests queries, logs (importance from severity), business events and exceptions in place', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('t');
    const t0 = Date.now();
    const root = tracer.startSpan('GET /users/:id', { kind: SpanKind.SERVER, startTime: t0, attributes: { 'http.request.method': 'GET', 'url.path': '/users/7', 'http.route': '/users/:id', 'http.response.status_code': 200 } });
    const ctx = trace.setSpan(context.active(), root);
    const q = tracer.startSpan('pg.query:SELECT shop', { kind: SpanKind.CLIENT, startTime: t0 + 2, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' } }, ctx);
    q.recordException(new Error('deadlock'), t0 + 3);
    q.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
    q.end(t0 + 4);
    root.addEvent('import-participants-started', { 'event.context': 'import', execution_id: 'e1' }, t0 + 1);
    root.end(t0 + 10);
    const spans = exporter.getFinishedSpans();
    const rootId = root.spanContext();
    const logs = [
      { hrTime: [Math.floor((t0 + 5) / 1000), ((t0 + 5) % 1000) * 1e6] as [number, number], spanContext: rootId, severityNumber: 13, body: 'slow user lookup', attributes: { 'user.id': 7 } },
      { hrTime: [Math.floor((t0 + 6) / 1000), 0] as [number, number], spanContext: rootId, severityNumber: 9, body: 'x', eventName: 'import-participants-started', attributes: {} },
    ];
    const { documents, issues } = spansToScheme(spans, logs);
    expect(issues).toEqual([]);
    expect(documents).toHaveLength(1);
    const doc = documents[0];
    expect(validateDocument(JSON.parse(JSON.stringify(doc))).issues).toEqual([]);
    const req = doc.events[0];
    expect(req).toMatchObject({ type: 'request', payload: { method: 'GET', uri: '/users/7' }, tags: ['service.name:shop'], duration: 10 });
    const nested = req.nested!;
    expect(nested.map((e) => e.type)).toEqual(['event', 'query', 'log', 'response']);
    expect(nested[0].payload).toMatchObject({ name: 'import-participants-started', group: 'import', 'wdp.attr.execution_id': 'e1' });
    expect(nested[1]).toMatchObject({ payload: { target: 'postgresql', query: 'SELECT 1', syntax: 'sql', 'otel.status_description': 'deadlock' }, success: false });
    expect(nested[1].nested![0]).toMatchObject({ type: 'log', success: false, payload: { message: 'exception', 'exception.message': 'deadlock' } });
    expect(nested[2]).toMatchObject({ type: 'log', importance: 4, payload: { message: 'slow user lookup', 'user.id': 7 } });
    expect(nested[3]).toMatchObject({ type: 'response', payload: { 'http.response.status_code': 200 } });
    const tree = renderTree(doc, 50);
    expect(tree).toContain('├─ log slow user lookup');
    expect(tree).toContain('│  └─ log exception: deadlock ✗');
  });
});
