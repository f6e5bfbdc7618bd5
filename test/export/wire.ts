import * as protobuf from 'protobufjs';
import { decodeOtlpProtobuf, otlpType } from '../helpers/otlp-proto';

/**
 * The same message with every length prefix of a nested message or string written as a minimal
 * varint, every other byte kept as it is. Our encoder pads the prefixes it patches after writing;
 * with this, its output can be compared byte for byte with upstream's, which shifts instead.
 * Walks the wire format with the OTLP protos (test/helpers/otlp-proto.ts) to know which fields are
 * messages; an unknown field fails loudly.
 */
export function withMinimalLengths(bytes: Uint8Array, typeName = 'ExportTraceServiceRequest'): Buffer {
  const type = otlpType(typeName);
  type.root.resolveAll();
  const out: number[] = [];
  walk(bytes, type, out);
  return Buffer.from(out);
}

function walk(bytes: Uint8Array, type: protobuf.Type, out: number[]): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tagStart = reader.pos;
    const tag = reader.uint32();
    for (let i = tagStart; i < reader.pos; i++) out.push(bytes[i]!);
    const wireType = tag & 7;
    if (wireType !== 2) {
      const start = reader.pos;
      reader.skipType(wireType);
      for (let i = start; i < reader.pos; i++) out.push(bytes[i]!);
      continue;
    }
    const length = reader.uint32();
    const body = bytes.subarray(reader.pos, reader.pos + length);
    reader.pos += length;
    const field = type.fieldsById[tag >>> 3];
    if (!field) throw new Error(`field ${tag >>> 3} is not in ${type.name}`);
    let content: ArrayLike<number> = body;
    if (field.resolvedType instanceof protobuf.Type) {
      const nested: number[] = [];
      walk(body, field.resolvedType, nested);
      content = nested;
    }
    let v = content.length;
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    for (let i = 0; i < content.length; i++) out.push(content[i]!);
  }
}

/** The request decoded by protobufjs on the OTLP protos: ids in hex, int64 as decimal strings, zero fields only when present on the wire. */
export function decodeTraces(bytes: Uint8Array): Record<string, unknown> {
  return decodeOtlpProtobuf('traces', Buffer.from(bytes));
}
