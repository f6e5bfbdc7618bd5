import fc from 'fast-check';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { isValidEventNode } from '../../converters/event-check';
import { validateDocument } from '../../converters/validate';
import schema from '../../converters/scheme.schema.json';
import type { SchemeEvent } from '../../converters/model';
import { documentArb, eventArb } from './arbitraries';

// isValidEventNode replaces the ajv validator of one event node on the fast path of
// validateDocument. It must give ajv's answer for every value: valid generated events, and the
// same events broken in every field the schema constrains.

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv, ['uuid']);
ajv.addSchema(schema);
const ajvNode = ajv.getSchema(`${schema.$id}#/definitions/eventNode`)!;

const sparse: unknown[] = ['a'];
sparse[2] = 'b';
const WEIRD: unknown[] = [
  undefined, null, NaN, Infinity, -Infinity, -0, -1, 0, 1, 1.5, 8, 9, 2 ** 53, '', 'x', 'GRANT', 'DENIED', true, false,
  [], ['a'], [1], sparse, {}, { file: 'f' }, { file: 'f', line: -1 }, { file: 'f', line: Infinity }, { file: 1 }, { file: 'f', extra: 1 },
  [{ key: 'a', value: 'b' }], [{ key: 'a' }], [{ key: 1, value: 'x' }], [{ key: 'a', value: NaN }], [{ key: 'a', value: Infinity }],
  [{ key: 'a', value: {} }], [{ key: 'a', value: null, more: [] }], [null], [['a']],
];
const weird = fc.constantFrom(...WEIRD);
const EVENT_FIELDS = ['type', 'payload', 'tags', 'importance', 'time', 'duration', 'success', 'calledFrom', 'definedIn', 'nested'];
const PAYLOAD_FIELDS = ['message', 'context', 'target', 'query', 'syntax', 'method', 'uri', 'headers', 'body', 'cookies', 'session',
  'memoryPeak', 'name', 'subject', 'from', 'to', 'cc', 'bcc', 'replyTo', 'attachments', 'group', 'access', 'control', 'object', 'action'];
const TYPES = ['log', 'query', 'request', 'response', 'middleware', 'template', 'email', 'event', 'accessCheck', 'custom', ''];

type Edit = (ev: Record<string, unknown>) => void;
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.constantFrom(...EVENT_FIELDS), weird).map(([k, v]): Edit => (ev) => { ev[k] = v; }),
  fc.tuple(fc.constantFrom(...PAYLOAD_FIELDS), weird).map(([k, v]): Edit => (ev) => {
    if (ev.payload && typeof ev.payload === 'object') (ev.payload as Record<string, unknown>)[k] = v;
  }),
  fc.constantFrom(...TYPES).map((t): Edit => (ev) => { ev.type = t; }),
  fc.constantFrom(...EVENT_FIELDS, 'extra', '__proto__').map((k): Edit => (ev) => {
    if (k === '__proto__') Object.defineProperty(ev, k, { value: {}, enumerable: true, configurable: true, writable: true });
    else if (EVENT_FIELDS.includes(k)) delete ev[k];
    else ev[k] = 1;
  }),
  fc.tuple(fc.constantFrom('calledFrom', 'definedIn'), fc.constantFrom('file', 'line', 'positionStart', 'positionEnd', 'other'), weird)
    .map(([loc, k, v]): Edit => (ev) => { ev[loc] = { file: 'f', ...(ev[loc] as object), [k]: v }; }),
);

/** The event alone (nested is checked by the walk, not by the node validator). */
const shallow = (ev: SchemeEvent) => ({ ...ev, nested: ev.nested === undefined ? undefined : [] }) as Record<string, unknown>;

describe('isValidEventNode gives the answer of the ajv eventNode validator', () => {
  it('on valid generated events (every known type, custom types, optional fields)', () => {
    fc.assert(fc.property(eventArb, (ev) => {
      const node = shallow(ev);
      expect(ajvNode(node)).toBe(true);
      expect(isValidEventNode(node)).toBe(true);
    }), { numRuns: 1000 });
  });

  it('on the same events broken in one to three places', () => {
    let invalid = 0;
    fc.assert(fc.property(eventArb, fc.array(edit, { minLength: 1, maxLength: 3 }), (ev, edits) => {
      const node = JSON.parse(JSON.stringify(shallow(ev))) as Record<string, unknown>;
      for (const e of edits) e(node);
      const expected = ajvNode(node);
      if (!expected) invalid++;
      expect(isValidEventNode(node)).toBe(expected);
    }), { numRuns: 5000 });
    expect(invalid).toBeGreaterThan(1000); // the edits do break events
  });

  it('on values that are not events', () => {
    for (const v of [...WEIRD, 'log', [{ type: 'log', payload: { message: 'm' } }]]) expect(isValidEventNode(v)).toBe(ajvNode(v));
  });

  it('sees inherited keys as ajv does', () => {
    const ev = Object.create({ extra: 1 }) as Record<string, unknown>;
    Object.assign(ev, { type: 'log', payload: Object.assign(Object.create({ message: 'inherited' }), {}) });
    expect(isValidEventNode(ev)).toBe(ajvNode(ev));
  });

  it('leaves the issues of validateDocument as they were: each rejected event is reported by ajv', () => {
    fc.assert(fc.property(documentArb, fc.array(edit, { minLength: 1, maxLength: 2 }), (doc, edits) => {
      const value = JSON.parse(JSON.stringify(doc));
      if (value.events.length > 0) for (const e of edits) e(value.events[0]);
      const r = validateDocument(value);
      const firstOk = value.events.length === 0 || ajvNode(value.events[0]);
      if (!firstOk) expect(r.issues.some((i) => i.path.startsWith('/events/0'))).toBe(true);
      // (The plausible-time check is validateDocument's own, after the schema.)
      else expect(r.issues.filter((i) => i.path.startsWith('/events/0/') && !i.path.startsWith('/events/0/nested') && i.path !== '/events/0/time')).toEqual([]);
    }), { numRuns: 500 });
  });
});
