/**
 * The Web Debug Protocol scheme (https://github.com/fe3dback/web-debug-proto, docs/scheme/),
 * version 1, as TypeScript types. `scheme.schema.json` is the same model as JSON Schema.
 */

/** The event types the spec names. Any other string is a valid custom type. */
export const KNOWN_EVENT_TYPES = [
  'log', 'query', 'request', 'response', 'middleware', 'template', 'email', 'event', 'accessCheck',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

/** A code location; `file` is relative to the project root and starts with "/". */
export interface Location {
  file: string;
  line?: number;
  positionStart?: number;
  positionEnd?: number;
}

/** A key/value pair (headers, query, body, cookies, session). */
export type Param = {
  key: string;
  value: string | number | boolean | null;
};

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Payload = { [key: string]: JsonValue | undefined };

export interface LogPayload extends Payload { message: string; context?: string }
export interface QueryPayload extends Payload { target: string; query: string; syntax?: string }
export interface RequestPayload extends Payload {
  method?: string; uri?: string;
  headers?: Param[]; query?: Param[]; body?: Param[];
  cookies?: Param[]; session?: Param[];
}
export interface ResponsePayload extends Payload { memoryPeak?: number }
export interface MiddlewarePayload extends Payload { name: string }
export interface TemplatePayload extends Payload { name: string }
export interface EmailPayload extends Payload {
  subject: string; body: string; from: string;
  /** The spec says string[]; its own example uses a single string, so both are accepted. */
  to: string | string[];
  cc?: string[]; bcc?: string[]; replyTo?: string; attachments?: string[];
}
export interface EventPayload extends Payload { name: string; group?: string }
export interface AccessCheckPayload extends Payload { access: 'GRANT' | 'DENIED'; control: string; object?: string; action?: string }

export interface PayloadByType {
  log: LogPayload; query: QueryPayload; request: RequestPayload; response: ResponsePayload;
  middleware: MiddlewarePayload; template: TemplatePayload; email: EmailPayload; event: EventPayload;
  accessCheck: AccessCheckPayload;
}

export interface SchemeEvent {
  type: string;
  payload: Payload;
  tags?: string[];
  /** 1 (debug) .. 8 (emergency), the syslog ladder. */
  importance?: number;
  /** Unix time in milliseconds. */
  time?: number;
  /** Milliseconds. */
  duration?: number;
  success?: boolean;
  calledFrom?: Location;
  definedIn?: Location;
  nested?: SchemeEvent[];
}

export interface SchemeDocument {
  /** UUID; for documents made from traces, the trace id in UUID form. */
  id: string;
  version: number;
  events: SchemeEvent[];
}

/** One problem found in an input, named by its JSON path (RFC 6901 pointer). */
export interface Issue {
  path: string;
  message: string;
  /** 1-based line in an NDJSON input, when known. */
  line?: number;
}

export function formatIssue(issue: Issue): string {
  return `${issue.line !== undefined ? `line ${issue.line}: ` : ''}${issue.path || '/'}: ${issue.message}`;
}

/** Escapes a key for a JSON pointer segment (RFC 6901). */
export function pointerSegment(key: string | number): string {
  return typeof key === 'number' ? String(key) : key.replace(/~/g, '~0').replace(/\//g, '~1');
}
