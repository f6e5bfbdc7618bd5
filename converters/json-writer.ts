import type { SchemeDocument, SchemeEvent } from './model';

/**
 * JSON text of a scheme document without recursion over `nested` (JSON.stringify recurses and
 * overflows the stack near 10k levels). Fields are written in the spec's order. Payload values
 * are written with JSON.stringify; they are bounded in depth by the converters.
 */
export function stringifyDocument(doc: SchemeDocument): string {
  // The native serializer is the fastest; it only fails on nesting deeper than the stack.
  if (shallowEnough(doc)) {
    try {
      return JSON.stringify({ id: doc.id, version: doc.version, events: doc.events });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
    }
  }
  const parts: string[] = [];
  writeDocument(doc, (s) => parts.push(s));
  return parts.join('');
}

/** Native JSON.stringify is safe well below ~3,000 levels; deeper trees take the iterative writer. */
const NATIVE_MAX_DEPTH = 500;

function shallowEnough(doc: SchemeDocument): boolean {
  return listShallowEnough(doc.events, 1);
}

/** Recursion bounded by NATIVE_MAX_DEPTH (far from the stack's limit); no allocation. */
function listShallowEnough(list: SchemeEvent[], depth: number): boolean {
  if (depth > NATIVE_MAX_DEPTH) return false;
  for (let i = 0; i < list.length; i++) {
    const nested = list[i].nested;
    if (nested !== undefined && nested.length > 0 && !listShallowEnough(nested, depth + 1)) return false;
  }
  return true;
}

const FIELDS = ['type', 'payload', 'tags', 'importance', 'time', 'duration', 'success', 'calledFrom', 'definedIn'] as const;

function eventHead(ev: SchemeEvent): string {
  let s = '{';
  let first = true;
  for (const f of FIELDS) {
    const v = ev[f];
    if (v === undefined) continue;
    s += (first ? '"' : ',"') + f + '":' + JSON.stringify(v);
    first = false;
  }
  return s;
}

export function writeDocument(doc: SchemeDocument, write: (chunk: string) => void): void {
  write(`{"id":${JSON.stringify(doc.id)},"version":${JSON.stringify(doc.version)},"events":[`);
  // Each frame: a list of events and the next index to write.
  const stack: Array<{ list: SchemeEvent[]; i: number }> = [{ list: doc.events, i: 0 }];
  let buffer = '';
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.list.length) {
      stack.pop();
      buffer += stack.length > 0 ? ']}' : ']';
      continue;
    }
    const ev = top.list[top.i++];
    if (top.i > 1) buffer += ',';
    buffer += eventHead(ev);
    if (ev.nested !== undefined) {
      buffer += ',"nested":[';
      stack.push({ list: ev.nested, i: 0 });
    } else {
      buffer += '}';
    }
    if (buffer.length > 65536) { write(buffer); buffer = ''; }
  }
  write(buffer + '}');
}
