import type { HrTime, Link, SpanContext } from '@opentelemetry/api';
import * as fc from 'fast-check';
import { SPAN_ID_BYTES, type EncodableScope, type EncodableSpan } from '../../agent/export/span-encoder';

/**
 * fast-check generators of ended spans in the ReadableSpan shape, covering what OTLP can carry:
 * text of every kind (ASCII, graphemes, astral code points, lone surrogates, empty, long), every
 * attribute value type (and the JS values OTLP has no type for), nested arrays and kvlists, events,
 * links with trace state and flags, status codes and messages, zero and huge times, many scopes.
 */

/** Any UTF-16 code unit, so lone and reversed surrogates too. */
export const anyCodeUnitText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
/** Long enough for the native UTF-8 path, ASCII or not. */
export const longText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 65, maxLength: 300 }),
  fc.string({ minLength: 65, maxLength: 300 }),
  fc.tuple(fc.constantFrom('x', 'é', '\u{1f600}', '\ud800'), fc.integer({ min: 1, max: 3000 })).map(([s, n]) => s.repeat(n)),
);
export const text = fc.oneof(
  { arbitrary: fc.string({ maxLength: 30 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 2 },
  { arbitrary: anyCodeUnitText, weight: 2 },
  { arbitrary: fc.constant(''), weight: 1 },
  { arbitrary: longText, weight: 1 },
);

const specialNumbers = fc.constantFrom(0, -0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, 1e300, -1e-300, Number.MIN_VALUE);

const { value: attributeValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    text,
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    specialNumbers,
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b)),
    fc.constant(null),
    fc.constant(undefined),
    // Values OTLP has no type for: upstream writes an empty value (bigint) or a kvlist of own keys (Date, Int16Array).
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 3 }).map((a) => Int16Array.from(a)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(text, tie('value'), { maxKeys: 5 }),
  ),
}));
export { attributeValue };

export const attributes = fc.dictionary(fc.oneof(fc.string({ maxLength: 30 }), text, fc.constantFrom('http.request.method', '0', '12', 'a.b')), attributeValue, { maxKeys: 15 });

export const hrTime: fc.Arbitrary<HrTime> = fc.oneof(
  fc.tuple(fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 })),
  fc.tuple(fc.integer({ min: 0, max: 18_446_744_072 }), fc.integer({ min: 0, max: 999_999_999 })),
  fc.constantFrom<HrTime>([0, 0], [0, 999_999_999], [18_446_744_073, 709_551_615], [9_007_200, 123_456_789]),
);

const hexId = (bytes: number) => fc.tuple(fc.uint8Array({ minLength: bytes, maxLength: bytes }), fc.boolean()).map(([b, upper]) => {
  const hex = Buffer.from(b).toString('hex');
  return upper ? hex.toUpperCase() : hex;
});

const traceState = fc.option(text.map((s) => ({ serialize: () => s })), { nil: undefined });

const spanContext = fc.record(
  {
    traceId: hexId(16),
    spanId: hexId(8),
    traceFlags: fc.integer({ min: 0, max: 255 }),
    isRemote: fc.option(fc.boolean(), { nil: undefined }),
    traceState,
  },
  { requiredKeys: ['traceId', 'spanId', 'traceFlags'] },
) as fc.Arbitrary<SpanContext>;

const event = fc.record(
  { time: hrTime, name: text, attributes, droppedAttributesCount: fc.nat({ max: 2 ** 31 }) },
  { requiredKeys: ['time', 'name'] },
);

const link: fc.Arbitrary<Link> = fc.record(
  { context: spanContext, attributes, droppedAttributesCount: fc.nat({ max: 1000 }) },
  { requiredKeys: ['context'] },
);

export const scope: fc.Arbitrary<EncodableScope> = fc.record(
  {
    name: text,
    version: fc.oneof(text, fc.constantFrom('1.2.3', '')),
    schemaUrl: fc.oneof(text, fc.constant('https://opentelemetry.io/schemas/1.30.0')),
    attributes,
    droppedAttributesCount: fc.nat({ max: 100 }),
  },
  { requiredKeys: ['name'] },
);

export const resource = fc.record({ attributes, schemaUrl: fc.option(text, { nil: undefined }) });

/** A span's fields before it is bound to a scope and a resource; `rawIds` also gives it SPAN_ID_BYTES. */
const spanFields = fc.record({
  name: text,
  kind: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  context: spanContext,
  parent: fc.option(fc.record({ spanId: fc.oneof(hexId(8), fc.constant('')), isRemote: fc.option(fc.boolean(), { nil: undefined }) }), { nil: undefined }),
  startTime: hrTime,
  endTime: hrTime,
  attributes,
  events: fc.array(event, { maxLength: 3 }),
  links: fc.array(link, { maxLength: 3 }),
  status: fc.record({ code: fc.constantFrom(0, 1, 2), message: fc.option(text, { nil: undefined }) }, { requiredKeys: ['code'] }),
  droppedAttributesCount: fc.nat({ max: 2 ** 31 }),
  droppedEventsCount: fc.nat({ max: 1000 }),
  droppedLinksCount: fc.oneof(fc.constant(0), fc.nat({ max: 2 ** 31 })),
  scopeIndex: fc.nat(),
  /** Spans of a service repeat attribute values: some spans take their attributes from a small shared pool. */
  sharedAttributes: fc.option(fc.nat(), { nil: undefined }),
  /** The spans of a request share their trace id (and often end one after the other). */
  sameTraceAsPrevious: fc.boolean(),
  rawIds: fc.boolean(),
});

export interface GeneratedBatch {
  resource: { attributes: Record<string, unknown>; schemaUrl?: string };
  spans: Array<EncodableSpan & { resource: unknown }>;
}

/** A batch: one resource, 1 to 8 scopes (some spans may share one), 0 to 25 spans. */
export const batch: fc.Arbitrary<GeneratedBatch> = fc
  .record({
    resource,
    scopes: fc.array(scope, { minLength: 1, maxLength: 8 }),
    attributePool: fc.array(attributes, { minLength: 1, maxLength: 3 }),
    spans: fc.array(spanFields, { maxLength: 25 }),
  })
  .map(({ resource, scopes, attributePool, spans }) => {
    let previousTraceId = '';
    return {
      resource,
      spans: spans.map((fields, i) => {
        // Generated values are not mutated (fast-check may replay them while shrinking): a copy with the previous trace id.
        const f = fields.sameTraceAsPrevious && i > 0 ? { ...fields, context: { ...fields.context, traceId: previousTraceId } } : fields;
        previousTraceId = f.context.traceId;
        const parentSpanContext = f.parent ? ({ traceId: f.context.traceId, traceFlags: 1, ...f.parent } as SpanContext) : undefined;
        const span: EncodableSpan & { resource: unknown } = {
          name: f.name,
          kind: f.kind as never,
          spanContext: () => f.context,
          parentSpanContext,
          startTime: f.startTime,
          endTime: f.endTime,
          attributes: f.sharedAttributes === undefined ? f.attributes : attributePool[f.sharedAttributes % attributePool.length]!,
          events: f.events,
          links: f.links,
          status: f.status,
          droppedAttributesCount: f.droppedAttributesCount,
          droppedEventsCount: f.droppedEventsCount,
          droppedLinksCount: f.droppedLinksCount,
          instrumentationScope: scopes[f.scopeIndex % scopes.length]! as never,
          resource,
        };
        if (f.rawIds) {
          const ids = [f.context.traceId, f.context.spanId];
          if (parentSpanContext?.spanId) ids.push(parentSpanContext.spanId);
          // A view into a larger buffer, as a span class keeping ids in a slab would hand it over.
          const slab = Buffer.from(`00${ids.join('')}00`, 'hex');
          (span as { [SPAN_ID_BYTES]?: Uint8Array })[SPAN_ID_BYTES] = slab.subarray(1, slab.length - 1);
        }
        return span;
      }),
    };
  });
