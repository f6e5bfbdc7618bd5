import fc from 'fast-check';
import type { Location, SchemeDocument, SchemeEvent } from '../../converters/model';

/** fast-check generators of VALID scheme documents, adversarial where the mapping has corners. */

// Keys that collide with the mapping's own attribute and payload names.
const TRICKY_KEYS = [
  'db.system.name', 'db.query.text', 'db.system', 'db.statement', 'span.name', 'span.kind', 'otel.status_description',
  'http.response.status_code', 'http.request.method', 'http.method', 'url.full', 'url.path', 'url.query', 'http.route',
  'code.file.path', 'code.line.number', 'code.filepath', 'code.lineno', 'http.request.header.accept', 'wdp.type',
  'wdp.payload.x', 'wdp.event', 'wdp.tags', 'wdp.attr.x', 'wdp.attr.span.name', 'wdp.attr.name', 'message', 'name', 'target', 'query',
  '__proto__', 'constructor', '', 'a.b', 'é.ü', 'express.type', 'event.name', 'event.context', 'execution_id', 'http.request.header.a',
];

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('exception', 'sql', 'GET', 'postgresql', 'mysql', 'response', '/a?b=1', 'orphan:0123456789abcdef') },
);
const key = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 10 }) }, { weight: 2, arbitrary: fc.constantFrom(...TRICKY_KEYS) });
const json = fc.jsonValue({ maxDepth: 3 });
const extra = fc.dictionary(key, fc.oneof(json, text), { maxKeys: 4 });

const location: fc.Arbitrary<Location> = fc.record(
  { file: text, line: fc.nat(100000), positionStart: fc.nat(500), positionEnd: fc.nat(500) },
  { requiredKeys: ['file'] },
);
const param = fc.record({ key: fc.oneof(text, fc.constantFrom('accept', 'Accept', 'cookie')), value: fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)) });
const params = fc.array(param, { maxLength: 4 });
const strings = fc.array(text, { maxLength: 3 });

const typedPayload: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  log: fc.record({ message: text, context: text }, { requiredKeys: ['message'] }),
  query: fc.record({ target: fc.oneof(text, fc.constantFrom('postgresql', 'mysql', 'redis', 'unknown')), query: text, syntax: fc.constantFrom('sql', 'json', 'xml', 'text') }, { requiredKeys: ['target', 'query'] }),
  request: fc.record({ method: fc.oneof(text, fc.constantFrom('GET', 'POST')), uri: fc.oneof(text, fc.constantFrom('/a?b=1', '/a', 'https://x.test/y')), headers: params, query: params, body: params, cookies: params, session: params }, { requiredKeys: [] }),
  response: fc.record({ memoryPeak: fc.nat() }, { requiredKeys: [] }),
  middleware: fc.record({ name: text }),
  template: fc.record({ name: text }),
  email: fc.record({ subject: text, body: text, from: text, to: fc.oneof(text, strings), cc: strings, bcc: strings, replyTo: text, attachments: strings }, { requiredKeys: ['subject', 'body', 'from', 'to'] }),
  event: fc.record({ name: text, group: text }, { requiredKeys: ['name'] }),
  accessCheck: fc.record({ access: fc.constantFrom('GRANT', 'DENIED'), control: text, object: text, action: text }, { requiredKeys: ['access', 'control'] }),
};

const KNOWN = Object.keys(typedPayload);
/** Every payload field a known type defines (extra keys must not collide with them). */
const TYPED_FIELDS: Record<string, string[]> = {
  log: ['message', 'context'], query: ['target', 'query', 'syntax'], request: ['method', 'uri', 'headers', 'query', 'body', 'cookies', 'session'],
  response: ['memoryPeak'], middleware: ['name'], template: ['name'], email: ['subject', 'body', 'from', 'to', 'cc', 'bcc', 'replyTo', 'attachments'],
  event: ['name', 'group'], accessCheck: ['access', 'control', 'object', 'action'],
};
const customType = fc.string({ minLength: 1, maxLength: 10 }).filter((t) => !KNOWN.includes(t));

const typeAndPayload = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN).chain((type) => fc.tuple(fc.constant(type), typedPayload[type], extra)) },
  { weight: 1, arbitrary: fc.tuple(customType, fc.constant({}), extra) },
).map(([type, typed, more]) => {
  const payload: Record<string, unknown> = {};
  const reserved = Object.hasOwn(TYPED_FIELDS, type) ? TYPED_FIELDS[type] : [];
  for (const [k, v] of Object.entries(more)) if (!reserved.includes(k)) Object.defineProperty(payload, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.assign(payload, typed);
  return { type, payload };
});

/** Epoch milliseconds (validation refuses values outside 1973..5138 as a wrong unit). */
const time = fc.integer({ min: 100_000_000_000, max: 9_000_000_000_000 });
const tags = fc.array(fc.oneof(text, fc.constantFrom('service.name:shop', 'host.name:h1', 'is_production', 'orphan:00000000000000aa')), { maxLength: 4 });

const fields = fc.record({
  tags, importance: fc.integer({ min: 1, max: 8 }), time, duration: fc.nat(100_000), success: fc.boolean(),
  calledFrom: location, definedIn: location,
}, { requiredKeys: [] });

function responseFor(ev: SchemeEvent, status: number | undefined): SchemeEvent {
  const r: SchemeEvent = { type: 'response', payload: status === undefined ? {} : { 'http.response.status_code': status }, time: ev.time! + ev.duration!, duration: ev.duration };
  if (ev.tags) r.tags = ev.tags.slice();
  return r;
}

export const eventArb: fc.Arbitrary<SchemeEvent> = fc.letrec<{ event: SchemeEvent }>((tie) => ({
  event: fc.tuple(typeAndPayload, fields, fc.option(fc.array(tie('event'), { maxLength: 4 }), { freq: 2, nil: undefined }), fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }), fc.boolean())
    .map(([tp, f, nested, status, addResponse]) => {
      const ev = { ...tp, ...f } as SchemeEvent;
      if (nested !== undefined) ev.nested = nested;
      // Requests often end with the response event the OTLP side derives: exercise the fold.
      if (ev.type === 'request' && addResponse && ev.time !== undefined && ev.duration !== undefined) ev.nested = [...(ev.nested ?? []), responseFor(ev, status)];
      return ev;
    }),
})).event;

export const documentArb: fc.Arbitrary<SchemeDocument> = fc.record({
  id: fc.oneof({ weight: 5, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) }).filter((u) => !/^[0-]+$/.test(u)),
  version: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 1000 }) }),
  events: fc.array(eventArb, { maxLength: 5 }),
});

/** A chain `depth` levels deep (spans all the way down, a log at the bottom). */
export function deepDocument(depth: number, id = 'ef95a542-25a3-4f71-a0e9-640c92f43813'): SchemeDocument {
  const leaf: SchemeEvent = { type: 'log', payload: { message: 'bottom' }, time: 1_700_000_000_000 + depth };
  let current: SchemeEvent = leaf;
  for (let i = depth - 1; i >= 0; i--) {
    current = { type: i % 2 ? 'query' : 'event', payload: i % 2 ? { target: 'postgresql', query: `SELECT ${i}` } : { name: `level ${i}` }, time: 1_700_000_000_000 + i, duration: depth - i, nested: [current] };
  }
  return { id, version: 1, events: [current] };
}
