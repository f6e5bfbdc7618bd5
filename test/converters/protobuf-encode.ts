import * as protobuf from 'protobufjs';
import type { ExportTraceServiceRequest } from '../../converters/otlp-types';

/** Encodes OTLP/JSON as protobuf with protobufjs (an independent encoder) and the published field numbers. */
export function toProtobuf(req: ExportTraceServiceRequest): Uint8Array {
  const root = protobuf.parse(`syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Scope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; repeated Event events = 11; Status status = 15; }
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Req { repeated ResourceSpans resource_spans = 1; }`).root;
  const Req = root.lookupType('Req');
  const hex = (s?: string) => (s ? Buffer.from(s, 'hex') : undefined);
  const conv = (o: unknown, key = ''): unknown => {
    if (Array.isArray(o)) return o.map((x) => conv(x, key));
    if (o && typeof o === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) out[k] = ['traceId', 'spanId', 'parentSpanId'].includes(k) ? hex(v as string) : conv(v, k);
      return out;
    }
    return o;
  };
  return Req.encode(Req.fromObject(conv(req) as object)).finish();
}
