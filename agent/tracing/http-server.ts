import * as diagnosticsChannel from 'node:diagnostics_channel';
import * as http from 'node:http';
import {
  isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context,
  type Link,
} from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace';
import {
  ATTR_CLIENT_ADDRESS, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_METHOD_ORIGINAL, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS, ATTR_NETWORK_PEER_PORT, ATTR_NETWORK_PROTOCOL_VERSION, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT,
  ATTR_URL_PATH, ATTR_URL_QUERY, ATTR_URL_SCHEME, ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { agentLog } from '../runtime/agent-log';
import type { HttpServerDurationRecorder } from '../runtime/duration-recorders';
import { UNTRACED_SERVER } from '../runtime/untraced-server';
import { FastSpan, hexOf, idBytesOf, newSpanContext, newSpanIdBytes, type FastSpanSink } from './fast-span';
import { normalizeMethod, parseHost, remoteClientAddress } from './http-attributes';
import { requestContext } from './request-context';

/** Runs a function in a context without a closure (the agent's context manager). */
export interface ContextRunner {
  runApply(context: Context, fn: (...args: unknown[]) => boolean, self: unknown, args: IArguments): boolean;
}

export interface HttpServerTracingOptions {
  readonly sink: FastSpanSink;
  /** The agent's head sampler (route filtering in front of the configured one). */
  readonly sampler: Sampler;
  readonly contexts: ContextRunner;
  readonly scope: { name: string; version: string };
  /** Extra attributes from the request headers at the start (enrichment: x-tenant-id → tenant.id). */
  readonly startAttributes?: (request: http.IncomingMessage) => Attributes | undefined;
  /** Headers recorded as http.request.header.<name> / http.response.header.<name>. */
  readonly capturedHeaders?: { readonly request: readonly string[]; readonly response: readonly string[] };
  readonly duration?: HttpServerDurationRecorder;
}

/** The context a request's (or a client response's) events run in. */
export const kContext = Symbol('otel-companion.request-context');
const kRequest = Symbol('otel-companion.server-request');
const kServerEmit = Symbol('otel-companion.server-emit');

/** What a request keeps from its start to its finish, on the response object. */
interface RequestState {
  readonly span: FastSpan | undefined;
  readonly rpc: RPCMetadata;
  readonly method: string;
  readonly methodOriginal: string;
  readonly scheme: string;
  readonly protocolVersion: string;
  readonly startMs: number;
}

type Emitter = { [kContext]?: Context; [kRequest]?: RequestState; emit: (...args: unknown[]) => boolean; listenerCount(event: unknown): number };
type EmitFn = (this: unknown, ...args: unknown[]) => boolean;

const NO_LINKS: Link[] = [];
const SERVER_EVENTS = new Set(['request', 'checkContinue', 'checkExpectation']);
// The sampler reads the path (route filtering) and the method; one object, filled per request.
const samplerAttributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: '', [ATTR_URL_PATH]: '' };

/**
 * The HTTP server span, from Node's `http.server.request.start` and `http.server.response.finish`
 * diagnostics channels instead of a wrapped `emit` per request:
 * - the span starts with the request line and headers read as they are (no URL parse), its
 *   context is kept on the request and the response;
 * - `emit` of http(s).Server, IncomingMessage and ServerResponse is patched once, on their
 *   prototypes: a request's events ('request', 'data', 'end', 'finish', 'close', ...) run in its
 *   context, so body parsers and `res.on('finish')` listeners see the request's span; nothing is
 *   bound per request;
 * - at the finish, the route the Express recorder left in the RPC metadata names the span, the
 *   span ends into the agent's processors, and the duration goes to the metrics concern, sampled
 *   or not (an unsampled request keeps only its start time and method).
 * Returns how to take it all back.
 */
export function installHttpServerTracing(options: HttpServerTracingOptions): () => void {
  const { sink, sampler, contexts, scope, startAttributes, capturedHeaders, duration } = options;
  const requestHeaders = capturedHeaders?.request.map((h) => [h, `http.request.header.${h}`] as const) ?? [];
  const responseHeaders = capturedHeaders?.response.map((h) => [h, `http.response.header.${h}`] as const) ?? [];
  let enabled = true;

  const start = (request: http.IncomingMessage, response: http.ServerResponse & Emitter, server: unknown): void => {
    if ((server as { [UNTRACED_SERVER]?: boolean } | undefined)?.[UNTRACED_SERVER]) return;
    patchServerEmit(server);
    const headers = request.headers;
    const methodOriginal = request.method ?? 'GET';
    const method = normalizeMethod(methodOriginal);
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const socket = request.socket as (typeof request.socket & { encrypted?: boolean }) | undefined;
    const scheme = socket?.encrypted ? 'https' : 'http';
    const startMs = performance.timeOrigin + performance.now();

    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const parentSpanContext = trace.getSpanContext(parent);
    const validParent = parentSpanContext !== undefined && isSpanContextValid(parentSpanContext);
    const ids = newSpanIdBytes(validParent ? parentSpanContext : undefined, validParent ? idBytesOf(trace.getSpan(parent)) : undefined);
    const traceId = validParent ? parentSpanContext.traceId : hexOf(ids, 0, 16);
    samplerAttributes[ATTR_HTTP_REQUEST_METHOD] = method;
    samplerAttributes[ATTR_URL_PATH] = path;
    const sampling = sampler.shouldSample(parent, traceId, method, SpanKind.SERVER, samplerAttributes, NO_LINKS);
    const spanContext = newSpanContext(traceId, ids, sampling, validParent ? parentSpanContext : undefined);

    let span: FastSpan | undefined;
    if (sampling.decision !== SamplingDecision.NOT_RECORD) {
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_SCHEME]: scheme,
      };
      const host = parseHost(headers, scheme);
      if (host.address !== undefined) attributes[ATTR_SERVER_ADDRESS] = host.address;
      if (socket?.remoteAddress !== undefined) attributes[ATTR_NETWORK_PEER_ADDRESS] = socket.remoteAddress;
      if (socket?.remotePort !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
      attributes[ATTR_NETWORK_PROTOCOL_VERSION] = request.httpVersion;
      const userAgent = headers['user-agent'];
      if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
      attributes[ATTR_URL_PATH] = path;
      if (q >= 0 && q < url.length - 1) attributes[ATTR_URL_QUERY] = url.slice(q + 1);
      const client = remoteClientAddress(headers, socket?.remoteAddress);
      if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
      if (host.port !== undefined) attributes[ATTR_SERVER_PORT] = host.port;
      if (method !== methodOriginal) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = methodOriginal;
      for (let i = 0; i < requestHeaders.length; i++) {
        const value = headers[requestHeaders[i]![0]];
        if (value !== undefined) attributes[requestHeaders[i]![1]] = Array.isArray(value) ? value : [value];
      }
      if (startAttributes) {
        const extra = startAttributes(request);
        if (extra) for (const key of Object.keys(extra)) attributes[key] = extra[key];
      }
      span = new FastSpan(sink, methodOriginal, SpanKind.SERVER, spanContext, validParent ? parentSpanContext : undefined, attributes, scope, startMs, ids);
      for (let i = 0; i < sink.processors.length; i++) sink.processors[i]!.onStart(span as never, parent);
    }
    const { context, rpc } = requestContext(parent, span ?? trace.wrapSpanContext(spanContext));
    (request as unknown as Emitter)[kContext] = context;
    response[kContext] = context;
    response[kRequest] = { span, rpc, method, methodOriginal, scheme, protocolVersion: request.httpVersion, startMs };
  };

  const finish = (response: http.ServerResponse & Emitter): void => {
    const state = response[kRequest];
    if (!state) return;
    response[kRequest] = undefined;
    const endMs = performance.timeOrigin + performance.now();
    const status = response.statusCode;
    const route = state.rpc.route;
    const span = state.span;
    if (span) {
      const attributes = span.attributes;
      attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
      if (route !== undefined) {
        attributes[ATTR_HTTP_ROUTE] = route;
        span.updateName(`${state.methodOriginal} ${route}`);
      }
      for (let i = 0; i < responseHeaders.length; i++) {
        const value = response.getHeader(responseHeaders[i]![0]);
        if (value !== undefined) attributes[responseHeaders[i]![1]] = Array.isArray(value) ? value : [String(value)];
      }
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(endMs);
    }
    duration?.record(
      (endMs - state.startMs) / 1000,
      state.method, state.scheme, status, route, state.protocolVersion, undefined,
    );
  };

  const onStart = (message: unknown): void => {
    if (!enabled) return;
    const { request, response, server } = message as { request: http.IncomingMessage; response: http.ServerResponse & Emitter; server: unknown };
    try {
      start(request, response, server);
    } catch (err) {
      // A subscriber that throws would crash the app (the channel rethrows on the next tick).
      agentLog.debug('http server span not started:', err);
    }
  };
  const onFinish = (message: unknown): void => {
    try {
      finish((message as { response: http.ServerResponse & Emitter }).response);
    } catch (err) {
      agentLog.debug('http server span not ended:', err);
    }
  };

  // A request's events run in its context; servers emit 'request' in it too.
  // An event nobody listens to is emitted as it is: entering a context costs a frame.
  const inContext = (original: EmitFn): EmitFn => function emit(this: unknown, event: unknown) {
    const context = (this as Emitter)[kContext];
    // eslint-disable-next-line prefer-rest-params -- hands the arguments object on: no array per emitted event
    if (context === undefined || (this as Emitter).listenerCount(event) === 0) return original.apply(this, arguments as unknown as unknown[]);
    // eslint-disable-next-line prefer-rest-params -- hands the arguments object on: no array per emitted event
    return contexts.runApply(context, original as never, this, arguments);
  };
  const serverEmit = (original: EmitFn): EmitFn => {
    const emit = function emit(this: unknown, event: unknown, _request: unknown, response: unknown) {
      const context = SERVER_EVENTS.has(event as string) ? (response as Emitter | undefined)?.[kContext] : undefined;
      // eslint-disable-next-line prefer-rest-params -- hands the arguments object on: no array per emitted event
      return context === undefined ? original.apply(this, arguments as unknown as unknown[]) : contexts.runApply(context, original as never, this, arguments);
    };
    (emit as { [kServerEmit]?: true })[kServerEmit] = true;
    return emit;
  };
  const originals: Array<readonly [object, PropertyDescriptor | undefined]> = [];
  const patch = (proto: object, emit: EmitFn) => {
    originals.push([proto, Object.getOwnPropertyDescriptor(proto, 'emit')]);
    Object.defineProperty(proto, 'emit', { value: emit, writable: true, configurable: true, enumerable: false });
  };
  // The 'request' event runs in the request's context: the emit of the server's class is patched the
  // first time one of its servers has a request (https.Server is not an http.Server; loading https
  // up front would cost every app its TLS start-up).
  function patchServerEmit(server: unknown): void {
    const proto = server ? Object.getPrototypeOf(server) as { emit?: EmitFn & { [kServerEmit]?: true } } | null : null;
    if (!proto || typeof proto.emit !== 'function' || proto.emit[kServerEmit]) return;
    patch(proto, serverEmit(proto.emit));
  }
  patch(http.IncomingMessage.prototype, inContext(http.IncomingMessage.prototype.emit as EmitFn));
  patch(http.ServerResponse.prototype, inContext(http.ServerResponse.prototype.emit as EmitFn));
  patch(http.Server.prototype, serverEmit(http.Server.prototype.emit as EmitFn));
  diagnosticsChannel.subscribe('http.server.request.start', onStart);
  diagnosticsChannel.subscribe('http.server.response.finish', onFinish);

  return () => {
    enabled = false;
    diagnosticsChannel.unsubscribe('http.server.request.start', onStart);
    diagnosticsChannel.unsubscribe('http.server.response.finish', onFinish);
    for (const [proto, descriptor] of originals.reverse()) {
      if (descriptor) Object.defineProperty(proto, 'emit', descriptor);
      else delete (proto as { emit?: unknown }).emit;
    }
  };
}
