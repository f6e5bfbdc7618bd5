import type { SchemeDocument, SchemeEvent } from '../../converters/model';
import { deriveSpanName } from '../../converters/mapping';

/**
 * A scheme document as an indented event tree, for the terminal:
 *
 *   GET /users/:id  trace 0af76519-16cd-43dd-8448-eb211c80319c
 *   request GET /users/7  32 ms ✓
 *   ├─ middleware query  0 ms
 *   ├─ query postgresql: SELECT $1::int AS id  3 ms ✓
 *   └─ response 200  32 ms
 *
 * Iterative (explicit stack), so deep traces print without recursion.
 */

const MAX_LABEL = 100;

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > MAX_LABEL ? `${one.slice(0, MAX_LABEL - 1)}…` : one;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function eventLabel(ev: SchemeEvent): string {
  const p = ev.payload ?? {};
  switch (ev.type) {
    case 'request': return clip(`${str(p.method) ?? ''} ${str(p.uri) ?? ''}`);
    case 'response': return str(p['http.response.status_code']) ?? '';
    case 'query': return clip(`${str(p.target) ?? ''}: ${str(p.query) ?? ''}`);
    case 'log': {
      const detail = str(p['exception.message']);
      return clip(detail ? `${str(p.message) ?? ''}: ${detail}` : str(p.message) ?? '');
    }
    case 'email': return clip(str(p.subject) ?? '');
    case 'accessCheck': return clip(`${str(p.access) ?? ''} ${str(p.control) ?? ''}`);
    default: return clip(str(p.name) ?? str(p['span.name']) ?? '');
  }
}

function line(ev: SchemeEvent): string {
  let s = `${ev.type} ${eventLabel(ev)}`.trimEnd();
  if (ev.duration !== undefined) s += `  ${ev.duration} ms`;
  if (ev.success === true) s += ' ✓';
  else if (ev.success === false) s += ' ✗';
  return s;
}

export function renderTree(doc: SchemeDocument, maxEvents: number): string {
  const root = doc.events[0];
  const title = root ? (str(root.payload?.['span.name']) ?? deriveSpanName(root.type, root.payload ?? {})) : 'empty trace';
  const out: string[] = [`── ${title}  trace ${doc.id}`];
  let printed = 0, total = 0;
  // Frames: the events of one level and the prefix of their lines.
  const stack: Array<{ list: SchemeEvent[]; i: number; prefix: string; top: boolean }> = [{ list: doc.events, i: 0, prefix: '', top: true }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.i >= frame.list.length) { stack.pop(); continue; }
    const ev = frame.list[frame.i++];
    total++;
    const last = frame.i === frame.list.length;
    if (printed < maxEvents) {
      out.push(frame.top ? line(ev) : `${frame.prefix}${last ? '└─ ' : '├─ '}${line(ev)}`);
      printed++;
    }
    if (ev.nested && ev.nested.length > 0) {
      const prefix = frame.top ? '' : frame.prefix + (last ? '   ' : '│  ');
      stack.push({ list: ev.nested, i: 0, prefix, top: false });
    }
  }
  if (total > printed) out.push(`… ${total - printed} more events`);
  return out.join('\n') + '\n';
}
