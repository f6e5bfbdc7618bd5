import { MAX_VALUE_DEPTH } from './any-value';
import type { AnyValue, ExportTraceServiceRequest, KeyValue, OtlpLink, OtlpResourceSpans, OtlpScopeSpans, OtlpSpan, OtlpSpanEvent } from './otlp-types';

/**
 * OTLP/protobuf ExportTraceServiceRequest → the OTLP/JSON object form (hex ids, int64 as
 * decimal strings), so one converter serves both encodings. A small wire-format reader for the
 * trace messages of opentelemetry-proto v1 (field numbers from the published .proto files);
 * @opentelemetry/otlp-transformer only encodes requests, it has no request decoder.
 * Unknown fields are skipped, as protobuf requires.
 */

export class ProtobufDecodeError extends Error {}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  varint32(): number {
    let result = 0, shift = 0, byte: number;
    do {
      if (this.pos >= this.end) throw new ProtobufDecodeError(`truncated varint at byte ${this.pos}`);
      byte = this.buf[this.pos++];
      if (shift < 32) result |= (byte & 0x7f) << shift;
      shift += 7;
      if (shift > 70) throw new ProtobufDecodeError(`varint too long at byte ${this.pos}`);
    } while (byte & 0x80);
    return result >>> 0;
  }

  varint64(): bigint {
    let result = 0n, shift = 0n, byte: number;
    do {
      if (this.pos >= this.end) throw new ProtobufDecodeError(`truncated varint at byte ${this.pos}`);
      byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) throw new ProtobufDecodeError(`varint too long at byte ${this.pos}`);
    } while (byte & 0x80);
    return BigInt.asIntN(64, result);
  }

  fixed32(): number {
    this.need(4);
    const b = this.buf, p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  fixed64String(): string {
    const lo = this.fixed32(), hi = this.fixed32();
    if (hi === 0) return String(lo);
    if (hi < 0x200000) return String(hi * 4294967296 + lo);
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  double(): number {
    this.need(8);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field: returns [start, end] of its bytes. */
  bytes(): [number, number] {
    const len = this.varint32();
    this.need(len);
    const start = this.pos;
    this.pos += len;
    return [start, this.pos];
  }

  string(): string {
    const [s, e] = this.bytes();
    return textDecoder.decode(this.buf.subarray(s, e));
  }

  hex(): string {
    const [s, e] = this.bytes();
    let out = '';
    for (let i = s; i < e; i++) out += HEX[this.buf[i]];
    return out;
  }

  sub(): Reader {
    const [s, e] = this.bytes();
    return new Reader(this.buf, s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint64(); break;
      case 1: this.need(8); this.pos += 8; break;
      case 2: this.bytes(); break;
      case 5: this.need(4); this.pos += 4; break;
      default: throw new ProtobufDecodeError(`unsupported wire type ${wireType} at byte ${this.pos}`);
    }
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufDecodeError(`truncated message: need ${n} bytes at byte ${this.pos}, have ${this.end - this.pos}`);
  }

  /** Iterates fields: calls `field(number, wireType)`; the callback must consume or return false to skip. */
  each(field: (num: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const tag = this.varint32();
      const num = tag >>> 3, wire = tag & 7;
      if (num === 0) throw new ProtobufDecodeError(`invalid field number 0 at byte ${this.pos}`);
      if (!field(num, wire)) this.skip(wire);
    }
  }
}

function anyValue(r: Reader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new ProtobufDecodeError(`AnyValue nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let out: AnyValue = {};
  r.each((num, wire) => {
    switch (num) {
      case 1: if (wire !== 2) return false; out = { stringValue: r.string() }; return true;
      case 2: if (wire !== 0) return false; out = { boolValue: r.varint32() !== 0 }; return true;
      case 3: if (wire !== 0) return false; out = { intValue: r.varint64().toString() }; return true;
      case 4: if (wire !== 1) return false; out = { doubleValue: r.double() }; return true;
      case 5: {
        if (wire !== 2) return false;
        const values: AnyValue[] = [];
        const sub = r.sub();
        sub.each((n, w) => { if (n !== 1 || w !== 2) return false; values.push(anyValue(sub.sub(), depth + 1)); return true; });
        out = { arrayValue: { values } };
        return true;
      }
      case 6: {
        if (wire !== 2) return false;
        const values: KeyValue[] = [];
        const sub = r.sub();
        sub.each((n, w) => { if (n !== 1 || w !== 2) return false; values.push(keyValue(sub.sub(), depth + 1)); return true; });
        out = { kvlistValue: { values } };
        return true;
      }
      case 7: { if (wire !== 2) return false; const [s, e] = r.bytes(); out = { bytesValue: Buffer.from(r.buf.subarray(s, e)).toString('base64') }; return true; }
      default: return false;
    }
  });
  return out;
}

function keyValue(r: Reader, depth: number): KeyValue {
  const kv: KeyValue = { key: '' };
  r.each((num, wire) => {
    if (num === 1 && wire === 2) { kv.key = r.string(); return true; }
    if (num === 2 && wire === 2) { kv.value = anyValue(r.sub(), depth); return true; }
    return false;
  });
  return kv;
}

function attributes(list: KeyValue[] | undefined, r: Reader): KeyValue[] {
  const out = list ?? [];
  out.push(keyValue(r.sub(), 0));
  return out;
}

function spanEvent(r: Reader): OtlpSpanEvent {
  const e: OtlpSpanEvent = { timeUnixNano: '0', name: '' };
  r.each((num, wire) => {
    if (num === 1 && wire === 1) { e.timeUnixNano = r.fixed64String(); return true; }
    if (num === 2 && wire === 2) { e.name = r.string(); return true; }
    if (num === 3 && wire === 2) { e.attributes = attributes(e.attributes, r); return true; }
    if (num === 4 && wire === 0) { e.droppedAttributesCount = r.varint32(); return true; }
    return false;
  });
  return e;
}

function link(r: Reader): OtlpLink {
  const l: OtlpLink = { traceId: '', spanId: '' };
  r.each((num, wire) => {
    if (num === 1 && wire === 2) { l.traceId = r.hex(); return true; }
    if (num === 2 && wire === 2) { l.spanId = r.hex(); return true; }
    if (num === 3 && wire === 2) { l.traceState = r.string(); return true; }
    if (num === 4 && wire === 2) { l.attributes = attributes(l.attributes, r); return true; }
    if (num === 5 && wire === 0) { l.droppedAttributesCount = r.varint32(); return true; }
    if (num === 6 && wire === 5) { l.flags = r.fixed32(); return true; }
    return false;
  });
  return l;
}

function span(r: Reader): OtlpSpan {
  const s: OtlpSpan = { traceId: '', spanId: '', name: '', kind: 0, startTimeUnixNano: '0', endTimeUnixNano: '0' };
  r.each((num, wire) => {
    switch (num) {
      case 1: if (wire !== 2) return false; s.traceId = r.hex(); return true;
      case 2: if (wire !== 2) return false; s.spanId = r.hex(); return true;
      case 3: if (wire !== 2) return false; s.traceState = r.string(); return true;
      case 4: if (wire !== 2) return false; s.parentSpanId = r.hex(); return true;
      case 5: if (wire !== 2) return false; s.name = r.string(); return true;
      case 6: if (wire !== 0) return false; s.kind = r.varint32(); return true;
      case 7: if (wire !== 1) return false; s.startTimeUnixNano = r.fixed64String(); return true;
      case 8: if (wire !== 1) return false; s.endTimeUnixNano = r.fixed64String(); return true;
      case 9: if (wire !== 2) return false; s.attributes = attributes(s.attributes, r); return true;
      case 10: if (wire !== 0) return false; s.droppedAttributesCount = r.varint32(); return true;
      case 11: if (wire !== 2) return false; (s.events ??= []).push(spanEvent(r.sub())); return true;
      case 12: if (wire !== 0) return false; s.droppedEventsCount = r.varint32(); return true;
      case 13: if (wire !== 2) return false; (s.links ??= []).push(link(r.sub())); return true;
      case 14: if (wire !== 0) return false; s.droppedLinksCount = r.varint32(); return true;
      case 15: {
        if (wire !== 2) return false;
        const st: { code?: number; message?: string } = {};
        const sub = r.sub();
        sub.each((n, w) => {
          if (n === 2 && w === 2) { st.message = sub.string(); return true; }
          if (n === 3 && w === 0) { st.code = sub.varint32(); return true; }
          return false;
        });
        s.status = st;
        return true;
      }
      case 16: if (wire !== 5) return false; s.flags = r.fixed32(); return true;
      default: return false;
    }
  });
  return s;
}

function scopeSpans(r: Reader): OtlpScopeSpans {
  const ss: OtlpScopeSpans = { spans: [] };
  r.each((num, wire) => {
    if (num === 1 && wire === 2) {
      const scope: NonNullable<OtlpScopeSpans['scope']> = {};
      const sub = r.sub();
      sub.each((n, w) => {
        if (n === 1 && w === 2) { scope.name = sub.string(); return true; }
        if (n === 2 && w === 2) { scope.version = sub.string(); return true; }
        if (n === 3 && w === 2) { scope.attributes = attributes(scope.attributes, sub); return true; }
        return false;
      });
      ss.scope = scope;
      return true;
    }
    if (num === 2 && wire === 2) { ss.spans!.push(span(r.sub())); return true; }
    if (num === 3 && wire === 2) { ss.schemaUrl = r.string(); return true; }
    return false;
  });
  return ss;
}

function resourceSpans(r: Reader): OtlpResourceSpans {
  const rs: OtlpResourceSpans = { scopeSpans: [] };
  r.each((num, wire) => {
    if (num === 1 && wire === 2) {
      const resource: { attributes?: KeyValue[] } = {};
      const sub = r.sub();
      sub.each((n, w) => {
        if (n === 1 && w === 2) { resource.attributes = attributes(resource.attributes, sub); return true; }
        return false;
      });
      rs.resource = resource;
      return true;
    }
    if (num === 2 && wire === 2) { rs.scopeSpans!.push(scopeSpans(r.sub())); return true; }
    if (num === 3 && wire === 2) { rs.schemaUrl = r.string(); return true; }
    return false;
  });
  return rs;
}

/** Decodes a protobuf ExportTraceServiceRequest. Throws ProtobufDecodeError naming the byte offset. */
export function decodeOtlpProtobuf(body: Uint8Array): ExportTraceServiceRequest {
  const r = new Reader(body, 0, body.length);
  const out: ExportTraceServiceRequest = { resourceSpans: [] };
  r.each((num, wire) => {
    if (num === 1 && wire === 2) { out.resourceSpans!.push(resourceSpans(r.sub())); return true; }
    return false;
  });
  return out;
}
