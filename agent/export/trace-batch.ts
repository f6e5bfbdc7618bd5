import { ProtobufWriter, putVarint32, varint32Size } from './protobuf-writer';
import { SpanEncoder, schemaUrlField, type EncodableResource, type EncodableScope, type EncodableSpan } from './span-encoder';

/**
 * Ended spans kept as OTLP bytes until the flush: each span is encoded once, when it is added, into
 * one reusable buffer; nothing of the span object is kept. `take()` returns the whole
 * `ExportTraceServiceRequest` (the body of an OTLP/HTTP protobuf POST): the spans of each
 * instrumentation scope, concatenated under their scope's pre-encoded header and the batch's
 * pre-encoded resource. Only the few headers around them are written at that point; no span is
 * encoded again.
 *
 * The batch is bounded in spans and in bytes. A span past either bound is refused and counted,
 * never buffered; so is a span the encoder cannot read (counted apart, with the last error).
 */

export interface TraceBatchOptions {
  /** Spans held at most; the default matches the SDK's OTEL_BSP_MAX_QUEUE_SIZE default. */
  maxSpans?: number;
  /**
   * Bytes of encoded spans held at most. The request adds the resource and one header per scope to
   * that. The default keeps a request under gRPC's 4 MiB message limit with room for the headers.
   */
  maxBytes?: number;
  /** Bytes allocated up front (the buffer doubles as needed, up to about twice maxBytes). */
  initialCapacity?: number;
  /** Shares an encoder, and so its cache of encoded attribute keys, with other batches. */
  encoder?: SpanEncoder;
}

export interface TraceBatchResource extends EncodableResource {
  /** @opentelemetry/resources: true while async detectors have not settled; the resource is then encoded again on take(). */
  readonly asyncAttributesPending?: boolean;
}

const DEFAULT_MAX_SPANS = 2048;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024 - 64 * 1024;
const DEFAULT_INITIAL_CAPACITY = 64 * 1024;
/** Encoded scopes kept across batches: instrumentation scopes are few and live as long as their tracers. */
const MAX_CACHED_SCOPES = 256;
/** ExportTraceServiceRequest.resource_spans and ScopeSpans-in-ResourceSpans field tags. */
const REQUEST_RESOURCE_SPANS = 0x0a;
const RESOURCE_SPANS_SCOPE_SPANS = 0x12;

interface EncodedScope {
  readonly field: Uint8Array;
  readonly schemaUrl: Uint8Array;
}

export class TraceBatch {
  private readonly writer: ProtobufWriter;
  private readonly encoder: SpanEncoder;
  private readonly maxSpans: number;
  private readonly maxBytes: number;
  private readonly initialCapacity: number;

  private readonly resource: TraceBatchResource;
  private resourceField: Uint8Array = new Uint8Array(0);
  private resourceSchemaUrl: Uint8Array;
  private resourceSettled = false;

  /** Record i spans [recordEnd[i - 1] (or 0), recordEnd[i]) of the buffer. */
  private readonly recordEnd: Int32Array;
  /** The next record of the same scope, or -1. */
  private readonly nextInScope: Int32Array;
  private spans = 0;

  /** Scopes of the spans held, in the order they first came (upstream's grouping, by identity). */
  private readonly scopeIndex = new Map<EncodableScope, number>();
  private readonly scopes: EncodedScope[] = [];
  private readonly scopeHead: number[] = [];
  private readonly scopeTail: number[] = [];
  private readonly scopeBytes: number[] = [];
  private readonly scopeCache = new Map<EncodableScope, EncodedScope>();
  /** A request given back by release(), whose memory the next take() reuses. */
  private spare: Uint8Array | undefined = undefined;
  /** The memory of requests take() made, so that release() takes back nothing else. */
  private readonly handedOut = new WeakSet<ArrayBufferLike>();

  /** Spans refused because the batch was full (spans or bytes), since it was created. */
  droppedFull = 0;
  /** Spans refused because they could not be encoded, since the batch was created; lastError says why. */
  droppedInvalid = 0;
  lastError: unknown = undefined;

  constructor(resource: TraceBatchResource, options: TraceBatchOptions = {}) {
    this.maxSpans = positiveInteger('maxSpans', options.maxSpans ?? DEFAULT_MAX_SPANS);
    this.maxBytes = positiveInteger('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES);
    this.initialCapacity = Math.min(positiveInteger('initialCapacity', options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY), this.maxBytes + 1024);
    this.encoder = options.encoder ?? new SpanEncoder();
    this.writer = new ProtobufWriter(this.initialCapacity);
    this.recordEnd = new Int32Array(this.maxSpans);
    this.nextInScope = new Int32Array(this.maxSpans);
    this.resource = resource;
    this.resourceSchemaUrl = schemaUrlField(resource.schemaUrl);
  }

  /** Spans held. */
  get spanCount(): number {
    return this.spans;
  }

  /** Bytes of encoded spans held. */
  get byteLength(): number {
    return this.writer.pos;
  }

  /** Encodes the span into the batch; false when it was refused (full, or unreadable), and counted. */
  add(span: EncodableSpan): boolean {
    if (this.spans >= this.maxSpans) {
      this.droppedFull++;
      return false;
    }
    const w = this.writer;
    const start = w.pos;
    try {
      this.encoder.encodeSpan(w, span);
    } catch (err) {
      return this.refuseInvalid(start, err);
    }
    if (w.pos > this.maxBytes) {
      w.pos = start;
      this.droppedFull++;
      // One oversized span must not keep a buffer far beyond the bound.
      if (w.buf.length > 2 * this.maxBytes) w.resize(Math.max(this.initialCapacity, start));
      return false;
    }
    // The scope is looked up once the span is in: a refused span leaves no empty ScopeSpans behind.
    let scope: number;
    try {
      scope = this.scopeOf(span.instrumentationScope);
    } catch (err) {
      return this.refuseInvalid(start, err);
    }
    const i = this.spans++;
    this.recordEnd[i] = w.pos;
    this.nextInScope[i] = -1;
    if (this.scopeHead[scope] === -1) this.scopeHead[scope] = i;
    else this.nextInScope[this.scopeTail[scope]!] = i;
    this.scopeTail[scope] = i;
    this.scopeBytes[scope] += w.pos - start;
    return true;
  }

  /**
   * The spans held, as one `ExportTraceServiceRequest` the caller owns (empty when no span is held),
   * and the batch is emptied; its buffer is kept for the next spans. Give the request back with
   * release() once it is sent, and the next take() writes into the same memory: a fresh buffer of a
   * few hundred KiB per flush costs more CPU (page faults) than copying the spans into it.
   */
  take(): Uint8Array {
    if (this.spans === 0) return new Uint8Array(0);
    if (!this.resourceSettled) {
      this.resourceField = this.encoder.encodeResource(this.resource);
      this.resourceSettled = this.resource.asyncAttributesPending !== true;
    }
    const scopeCount = this.scopes.length;
    let resourceSpans = this.resourceField.length + this.resourceSchemaUrl.length;
    for (let k = 0; k < scopeCount; k++) {
      const scopeSpans = this.scopeSpansLength(k);
      resourceSpans += 1 + varint32Size(scopeSpans) + scopeSpans;
    }
    const out = this.requestBuffer(1 + varint32Size(resourceSpans) + resourceSpans);
    out[0] = REQUEST_RESOURCE_SPANS;
    let p = putVarint32(out, 1, resourceSpans);
    out.set(this.resourceField, p);
    p += this.resourceField.length;
    const buf = this.writer.buf;
    for (let k = 0; k < scopeCount; k++) {
      const scope = this.scopes[k]!;
      out[p++] = RESOURCE_SPANS_SCOPE_SPANS;
      p = putVarint32(out, p, this.scopeSpansLength(k));
      out.set(scope.field, p);
      p += scope.field.length;
      // Copy the scope's records, a run of adjacent records at a time.
      let i = this.scopeHead[k]!;
      while (i !== -1) {
        const runStart = i === 0 ? 0 : this.recordEnd[i - 1]!;
        let j = i;
        while (this.nextInScope[j] === j + 1) j++;
        const runEnd = this.recordEnd[j]!;
        buf.copy(out, p, runStart, runEnd);
        p += runEnd - runStart;
        i = this.nextInScope[j]!;
      }
      out.set(scope.schemaUrl, p);
      p += scope.schemaUrl.length;
    }
    out.set(this.resourceSchemaUrl, p);
    p += this.resourceSchemaUrl.length;
    if (p !== out.length) throw new Error(`TraceBatch.take: wrote ${p} bytes of a ${out.length}-byte request`);
    this.clear();
    return out;
  }

  /**
   * Gives back a request from take() that the caller is done with (sent, or given up), for the next
   * take() to reuse. Nothing may read or keep it afterwards. Optional: without it, every take()
   * allocates its request.
   */
  release(request: Uint8Array): void {
    if (this.spare === undefined && this.handedOut.has(request.buffer)) this.spare = request;
  }

  private requestBuffer(size: number): Uint8Array {
    const spare = this.spare;
    this.spare = undefined;
    if (spare !== undefined && spare.buffer.byteLength >= size) return new Uint8Array(spare.buffer, 0, size);
    // Room to grow, so that a slightly larger batch next time still fits in the buffer given back.
    const memory = new ArrayBuffer(Math.min(size + (size >>> 2), size + 4 * 1024 * 1024));
    this.handedOut.add(memory);
    return new Uint8Array(memory, 0, size);
  }

  /** Drops every span held, without counting them as dropped (the caller decided to). */
  clear(): void {
    this.spans = 0;
    this.scopeIndex.clear();
    this.scopes.length = 0;
    this.scopeHead.length = 0;
    this.scopeTail.length = 0;
    this.scopeBytes.length = 0;
    if (this.writer.buf.length > 2 * this.maxBytes) this.writer.resize(this.initialCapacity);
    this.writer.reset();
  }

  private refuseInvalid(start: number, err: unknown): false {
    this.writer.pos = start;
    this.droppedInvalid++;
    this.lastError = err;
    return false;
  }

  private scopeSpansLength(k: number): number {
    const scope = this.scopes[k]!;
    return scope.field.length + this.scopeBytes[k]! + scope.schemaUrl.length;
  }

  private scopeOf(scope: EncodableScope): number {
    const known = this.scopeIndex.get(scope);
    if (known !== undefined) return known;
    let encoded = this.scopeCache.get(scope);
    if (encoded === undefined) {
      encoded = { field: this.encoder.encodeScope(scope), schemaUrl: schemaUrlField(scope.schemaUrl) };
      if (this.scopeCache.size >= MAX_CACHED_SCOPES) this.scopeCache.clear();
      this.scopeCache.set(scope, encoded);
    }
    const k = this.scopes.length;
    this.scopes.push(encoded);
    this.scopeHead.push(-1);
    this.scopeTail.push(-1);
    this.scopeBytes.push(0);
    this.scopeIndex.set(scope, k);
    return k;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`TraceBatch option ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
