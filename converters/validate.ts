import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import schema from './scheme.schema.json';
import { pointerSegment, type Issue, type SchemeDocument, type SchemeEvent } from './model';
import { wrongUnitMessage } from './time-units';
import { describe } from './describe';
import { isValidEventNode } from './event-check';

/**
 * Validation of scheme documents against `scheme.schema.json`.
 *
 * The schema is recursive (`event.nested` holds events). A recursive validator overflows the
 * stack on deeply nested documents, so the document shell and each event node are validated
 * with the non-recursive parts of the schema (`documentShell`, `eventNode`) while this module
 * walks the tree with an explicit stack. The result is the same as validating `#/definitions/document`.
 * Each event is first checked by event-check.ts (ajv's answer, faster); only the events it rejects
 * go to ajv, for the error messages.
 */

export interface ValidateOptions {
  /** Stop collecting after this many issues (the document is invalid anyway). Default 100. */
  maxIssues?: number;
}

export interface ValidationResult {
  /** The document with `uuid` normalised to `id`, when valid. Events are not copied. */
  document?: SchemeDocument;
  issues: Issue[];
}

let compiled: { shell: ValidateFunction; node: ValidateFunction } | undefined;

function validators() {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv, ['uuid']);
  ajv.addSchema(schema);
  const id = schema.$id;
  compiled = {
    shell: ajv.getSchema(`${id}#/definitions/documentShell`)!,
    node: ajv.getSchema(`${id}#/definitions/eventNode`)!,
  };
  return compiled;
}

/** Field-specific wording, so a message says what is accepted rather than which keyword failed. */
const FIELD_MESSAGES: Record<string, string> = {
  importance: 'must be integer 1..8',
  time: 'must be integer milliseconds since the epoch, >= 0',
  duration: 'must be integer milliseconds, >= 0',
  version: 'must be integer >= 1',
  id: 'must be a UUID',
  uuid: 'must be a UUID',
  to: 'must be a string or an array of strings',
};

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function toIssues(base: string, errors: ErrorObject[] | null | undefined, out: Issue[], seen: Set<string>): void {
  for (const e of errors ?? []) {
    // anyOf branches report one error each; the anyOf error itself is the useful one.
    if (e.keyword === 'if' || e.keyword === 'allOf' || e.schemaPath.includes('/anyOf/')) continue;
    let path = base + e.instancePath;
    let message: string;
    if (e.keyword === 'required') {
      path += '/' + pointerSegment(String(e.params.missingProperty));
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path += '/' + pointerSegment(String(e.params.additionalProperty));
      message = 'is not a property of the scheme';
    } else if (e.keyword === 'anyOf' && base === '' && e.instancePath === '') {
      path = '/id';
      message = 'is required (the alias uuid is accepted too)';
    } else {
      const field = lastSegment(path);
      message = (Object.hasOwn(FIELD_MESSAGES, field) ? FIELD_MESSAGES[field] : undefined) ?? (e.keyword === 'anyOf' ? 'does not match any accepted form' : e.message ?? e.keyword);
      if (e.keyword === 'enum') message += ` (${(e.params.allowedValues as unknown[]).join(', ')})`;
    }
    const key = path + '\u0000' + message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
}

interface PathLink { parent: PathLink | undefined; segment: string }

function pathOf(link: PathLink): string {
  const parts: string[] = [];
  for (let l: PathLink | undefined = link; l; l = l.parent) parts.push(l.segment);
  return parts.reverse().join('');
}

/** Validates a parsed JSON value as a scheme document. Never throws. */
export function validateDocument(value: unknown, options: ValidateOptions = {}): ValidationResult {
  const maxIssues = options.maxIssues ?? 100;
  const { shell, node } = validators();
  const issues: Issue[] = [];
  const seen = new Set<string>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { issues: [{ path: '', message: `must be a JSON object (a scheme document), got ${describe(value)}` }] };
  }
  const doc = value as Record<string, unknown>;
  if (!shell(doc)) toIssues('', shell.errors, issues, seen);
  if (typeof doc.id === 'string' && typeof doc.uuid === 'string' && doc.id !== doc.uuid) {
    issues.push({ path: '/uuid', message: `differs from /id (${doc.id}); uuid is only an alias of id` });
  }
  if (Array.isArray(doc.events)) {
    // Explicit stack, no recursion whatever the depth. JSON paths are built only for errors:
    // each level keeps a link to its parent instead of a string per event.
    const stack: Array<{ events: unknown[]; at: PathLink }> = [{ events: doc.events, at: { parent: undefined, segment: '/events' } }];
    while (stack.length > 0 && issues.length < maxIssues) {
      const { events, at } = stack.pop()!;
      for (let i = 0; i < events.length && issues.length < maxIssues; i++) {
        const ev = events[i];
        // The hand-written check answers for valid events; ajv validates the rest and reports.
        if (!isValidEventNode(ev) && !node(ev)) toIssues(`${pathOf(at)}/${i}`, node.errors, issues, seen);
        if (ev === null || typeof ev !== 'object') continue;
        const e = ev as Record<string, unknown>;
        if (typeof e.time === 'number') {
          const wrong = wrongUnitMessage(e.time, 'ms');
          if (wrong) issues.push({ path: `${pathOf(at)}/${i}/time`, message: wrong });
        }
        if (Array.isArray(e.nested) && e.nested.length > 0) stack.push({ events: e.nested, at: { parent: at, segment: `/${i}/nested` } });
      }
    }
  }
  if (issues.length > maxIssues) issues.length = maxIssues;
  if (issues.length > 0) return { issues };
  const id = (doc.id ?? doc.uuid) as string;
  return { document: { id, version: doc.version as number, events: doc.events as SchemeEvent[] }, issues };
}

/** Like validateDocument, but throws SchemeValidationError listing the issues. */
export function assertDocument(value: unknown): SchemeDocument {
  const r = validateDocument(value);
  if (!r.document) throw new SchemeValidationError(r.issues);
  return r.document;
}

export class SchemeValidationError extends Error {
  constructor(readonly issues: Issue[]) {
    super(`invalid scheme document: ${issues.slice(0, 5).map((i) => `${i.path || '/'}: ${i.message}`).join('; ')}${issues.length > 5 ? ` (+${issues.length - 5} more)` : ''}`);
    this.name = 'SchemeValidationError';
  }
}

export { describe };
