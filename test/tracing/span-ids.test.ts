import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexOf, newSpanIdBytes } from '../../agent/tracing/fast-span';

// The agent's spans keep their ids as bytes for the encoder and as hex for the API: both must
// name the same ids, for new traces and for children of remote (hex) and local (bytes) parents.
const hex = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('hex');
const hexId = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).filter((b) => b.some((x) => x !== 0)).map((b) => Buffer.from(b).toString('hex'));

describe('span ids as bytes and hex', () => {
  it('a new trace: 16 + 8 random bytes, never all zero, written as hex the way Buffer writes it', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const ids = newSpanIdBytes(undefined, undefined);
      expect(ids.length).toBe(24);
      expect(hexOf(ids, 0, 16)).toBe(hex(ids, 0, 16));
      expect(hexOf(ids, 16, 24)).toBe(hex(ids, 16, 24));
      expect(hexOf(ids, 0, 16)).not.toBe('0'.repeat(32));
      expect(hexOf(ids, 16, 24)).not.toBe('0'.repeat(16));
      seen.add(hexOf(ids, 0, 24));
    }
    expect(seen.size).toBe(1000);
  });

  it("a child of a remote parent: the parent's trace id and span id parsed from hex, upper or lower case", () => {
    fc.assert(fc.property(hexId(16), hexId(8), fc.boolean(), (traceId, spanId, upper) => {
      const parent: SpanContext = { traceId: upper ? traceId.toUpperCase() : traceId, spanId: upper ? spanId.toUpperCase() : spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
      const ids = newSpanIdBytes(parent, undefined);
      expect(ids.length).toBe(32);
      expect(hex(ids, 0, 16)).toBe(traceId);
      expect(hex(ids, 24, 32)).toBe(spanId);
      expect(hex(ids, 16, 24)).not.toBe(spanId);
    }));
  });

  it("a child of one of the agent's spans: the parent's bytes copied, the same as parsing its hex", () => {
    const root = newSpanIdBytes(undefined, undefined);
    const parent: SpanContext = { traceId: hexOf(root, 0, 16), spanId: hexOf(root, 16, 24), traceFlags: TraceFlags.SAMPLED };
    const fromBytes = newSpanIdBytes(parent, root);
    const fromHex = newSpanIdBytes(parent, undefined);
    expect(hex(fromBytes, 0, 16)).toBe(parent.traceId);
    expect(hex(fromBytes, 24, 32)).toBe(parent.spanId);
    expect(Buffer.from(fromBytes.subarray(0, 16)).equals(Buffer.from(fromHex.subarray(0, 16)))).toBe(true);
    expect(Buffer.from(fromBytes.subarray(24, 32)).equals(Buffer.from(fromHex.subarray(24, 32)))).toBe(true);
    // A grandchild copies the child's bytes: its parent span id is the child's own span id.
    const grandchild = newSpanIdBytes({ ...parent, spanId: hexOf(fromBytes, 16, 24) }, fromBytes);
    expect(hex(grandchild, 24, 32)).toBe(hex(fromBytes, 16, 24));
    expect(hex(grandchild, 0, 16)).toBe(parent.traceId);
  });
});
