import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { validateDocument } from '../../converters/validate';
import schema from '../../converters/scheme.schema.json';

const example = JSON.parse(readFileSync(join(__dirname, '../fixtures/scheme/scheme_v1.json'), 'utf8'));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function deepDoc(depth: number): string {
  let s = '{"id":"ef95a542-25a3-4f71-a0e9-640c92f43813","version":1,"events":[';
  for (let i = 0; i < depth; i++) s += '{"type":"event","payload":{"name":"n"},"duration":1,"nested":[';
  s += '{"type":"log","payload":{"message":"leaf"},"importance":0}';
  for (let i = 0; i < depth; i++) s += ']}';
  return s + ']}';
}

describe('scheme validation', () => {
  it('accepts the spec example and normalises uuid to id', () => {
    const r = validateDocument(example);
    expect(r.issues).toEqual([]);
    expect(r.document?.id).toBe('ef95a542-25a3-4f71-a0e9-640c92f43813');
    expect(r.document).not.toHaveProperty('uuid');
  });

  it('names the JSON path of each error', () => {
    const bad = clone(example);
    bad.events[1].nested[0].importance = 9;
    bad.events[1].nested[1].payload.subject = 5;
    bad.events[0].payload = 'x';
    bad.events[1].duration = -1;
    const paths = validateDocument(bad).issues.map((i) => `${i.path}: ${i.message}`);
    expect(paths).toContain('/events/1/nested/0/importance: must be integer 1..8');
    expect(paths).toContain('/events/1/nested/1/payload/subject: must be string');
    expect(paths).toContain('/events/0/payload: must be object');
    expect(paths).toContain('/events/1/duration: must be integer milliseconds, >= 0');
  });

  it('checks the typed payload of every known type and leaves custom types free', () => {
    const ev = (type: string, payload: unknown) => ({ id: example.uuid, version: 1, events: [{ type, payload }] });
    const required: Record<string, string[]> = {
      log: ['message'], query: ['target', 'query'], middleware: ['name'], template: ['name'],
      email: ['subject', 'body', 'from', 'to'], event: ['name'], accessCheck: ['access', 'control'],
    };
    for (const [type, fields] of Object.entries(required)) {
      const issues = validateDocument(ev(type, {})).issues.map((i) => i.path);
      expect(issues.sort()).toEqual(fields.map((f) => `/events/0/payload/${f}`).sort());
    }
    expect(validateDocument(ev('request', { headers: [{ key: 'a' }] })).issues[0].path).toBe('/events/0/payload/headers/0/value');
    expect(validateDocument(ev('response', { memoryPeak: 'big' })).issues[0].path).toBe('/events/0/payload/memoryPeak');
    expect(validateDocument(ev('accessCheck', { access: 'MAYBE', control: 'c' })).issues[0].message).toMatch(/GRANT, DENIED/);
    expect(validateDocument(ev('myCustomType', { anything: [1, { a: null }] })).issues).toEqual([]);
  });

  it('reports missing id, wrong version, unknown properties and non-objects', () => {
    expect(validateDocument([]).issues[0]).toEqual({ path: '', message: 'must be a JSON object (a scheme document), got an array' });
    const issues = validateDocument({ version: 1.5, events: [{ type: 'log', payload: { message: 'm' }, extra: 1 }] }).issues;
    expect(issues.map((i) => i.path)).toEqual(['/id', '/version', '/events/0/extra']);
    expect(validateDocument({ id: 'not-a-uuid', version: 1, events: [] }).issues[0]).toEqual({ path: '/id', message: 'must be a UUID' });
  });

  it('detects times in seconds (or micro/nanoseconds) where milliseconds are expected', () => {
    const d = clone(example);
    d.events[0].time = 1547058561;
    d.events[1].nested[0].time = 1547058571245000;
    const issues = validateDocument(d).issues;
    expect(issues[0].path).toBe('/events/0/time');
    expect(issues[0].message).toMatch(/looks like seconds.*1547058561000/);
    expect(issues[1].path).toBe('/events/1/nested/0/time');
    expect(issues[1].message).toMatch(/microseconds/);
  });

  it('validates documents nested 100k deep without overflowing the stack', () => {
    const r = validateDocument(JSON.parse(deepDoc(100_000)));
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].path).toBe('/events/0' + '/nested/0'.repeat(100_000) + '/importance');
  });

  it('agrees with a plain ajv compile of the recursive schema on small documents', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const full = ajv.compile(schema);
    const d = clone(example);
    expect(full(d)).toBe(true);
    d.events[1].nested[0].importance = 0;
    expect(full(d)).toBe(false);
    expect(validateDocument(d).document).toBeUndefined();
  });
});
