import { describe, expect, it } from 'vitest';
import Transport from 'winston-transport';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from '../../agent/logs/logger';

class Capture extends Transport {
  readonly lines: Array<Record<string, unknown>> = [];
  override log(info: Record<symbol, unknown>, next: () => void): void {
    this.lines.push(JSON.parse(String(info[Symbol.for('message')])) as Record<string, unknown>);
    next();
  }
}

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const sink = new Capture();
  const logger = createLogger({ console: false, otlp: false, file: false, service: 'unit', level, transports: [sink] });
  return { logger, lines: sink.lines };
}

describe('JSON lines', () => {
  it('puts the trace fields of the active span on the line', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const { logger, lines } = capture();
      const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
      context.with(trace.setSpanContext(context.active(), spanContext), () => logger.info('in span'));
      logger.info('no span');
      expect(lines[0]).toMatchObject({ message: 'in span', trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: '01' });
      expect(lines[1]!.trace_id).toBeUndefined();
    } finally {
      context.disable();
    }
  });

  it('keeps errors with their stack, in the message position and in fields', () => {
    const { logger, lines } = capture();
    logger.error(new Error('direct'));
    logger.error('wrapped', { err: new Error('inner', { cause: new Error('root') }) });
    expect(lines[0]).toMatchObject({ level: 'error', message: 'direct' });
    expect(String(lines[0]!.stack)).toMatch(/^Error: direct\n\s+at /);
    const err = lines[1]!.err as { message: string; stack: string; cause: { message: string } };
    expect(err.message).toBe('inner');
    expect(err.stack).toMatch(/^Error: inner\n/);
    expect(err.cause.message).toBe('root');
  });

  it('survives cycles, bigints, dates and throwing getters', () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    logger.info('odd values', { cyclic, big: 10n ** 20n, when: new Date(0) });
    const bad = {};
    Object.defineProperty(bad, 'x', { enumerable: true, get() { throw new Error('nope'); } });
    logger.info('bad getter', { bad });
    expect(lines[0]).toMatchObject({ cyclic: { name: 'c', self: '[Circular]' }, big: '100000000000000000000', when: '1970-01-01T00:00:00.000Z' });
    expect(lines[1]).toMatchObject({ message: 'bad getter', service: 'unit' });
    expect(String(lines[1]!.log_error)).toContain('nope');
  });

  it('interpolates printf-style arguments and keeps child bindings', () => {
    const { logger, lines } = capture('debug');
    logger.child({ tenant_id: 't1' }).debug('hello %s, %d items', 'ann', 3);
    expect(lines[0]).toMatchObject({ level: 'debug', message: 'hello ann, 3 items', tenant_id: 't1', service: 'unit' });
  });
});
