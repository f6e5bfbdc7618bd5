import * as diagnosticsChannel from 'node:diagnostics_channel';
import * as http from 'node:http';
import {
  context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_METHOD_ORIGINAL, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT, ATTR_NETWORK_PROTOCOL_VERSION, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_FULL, ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { agentLog } from '../runtime/agent-log';
import type { HttpClientDurationRecorder } from '../runtime/duration-recorders';
import { FastSpan, hexOf, idBytesOf, newSpanContext, newSpanIdBytes, type FastSpanSink } from './fast-span';
import { normalizeMethod, parseHostHeader } from './http-attributes';
import { kContext, type ContextRunner } from './http-server';

export interface HttpClientTracingOptions {
  readonly sink: FastSpanSink;
  readonly sampler: Sampler;
  readonly contexts: ContextRunner;
  readonly scope: { name: string; version: string };
  /** Requests not to trace at all (the agent's own exports to the collector). */
  readonly ignore?: (options: http.RequestOptions) => boolean;
  readonly capturedHeaders?: { readonly request: readonly string[]; readonly response: readonly string[] };
  readonly duration?: HttpClientDurationRecorder;
}

const kClient = Symbol('otel-companion.client-request');

interface ClientState {
  readonly span: FastSpan | undefined;
  readonly method: string;
  readonly address: string | undefined;
  readonly port: number | undefined;
  readonly startMs: number;
  ended: boolean;
}

type ClientRequest = http.ClientRequest & { [kContext]?: Context; [kClient]?: ClientState; protocol?: string; host?: string };
type EmitFn = (this: unknown, ...args: unknown[]) => boolean;

const NO_LINKS: Link[] = [];
const setter: TextMapSetter<http.ClientRequest> = {
  set(request, key, value) {
    if (!request.headersSent) request.setHeader(key, value);
  },
};

/**
 * HTTP client spans from Node's `http.client.request.created`, `http.client.response.finish` and
 * `http.client.request.error` channels. The span is the child of the context active where
 * `http.request()` was called; trace context is injected as the request is created, before its
 * headers are sent. What the channels cannot do (see docs/agent.md): a request created with
 * `Expect: 100-continue` has sent its headers already (no propagation); requests that never create
 * a ClientRequest (nock) are not seen; DNS and TCP work of the request is not under its span.
 * The request's and its response's events run in the caller's context.
 */
export function installHttpClientTracing(options: HttpClientTracingOptions): () => void {
  const { sink, sampler, contexts, scope, ignore, capturedHeaders, duration } = options;
  const requestHeaders = capturedHeaders?.request.map((h) => [h, `http.request.header.${h}`] as const) ?? [];
  const responseHeaders = capturedHeaders?.response.map((h) => [h, `http.response.header.${h}`] as const) ?? [];
  let enabled = true;

  const finish = (request: ClientRequest, state: ClientState, status: number | undefined, protocolVersion: string | undefined, error?: Error): void => {
    if (state.ended) return;
    state.ended = true;
    let errorType: string | undefined;
    if (error) errorType = error.name || 'Error';
    else if (status !== undefined && status >= 400 && status < 600) errorType = String(status);
    const span = state.span;
    if (span) {
      if (error) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.recordException(error);
      } else if (status !== undefined && (status < 100 || status >= 400)) {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    }
    // A 4xx/5xx status gives the metric its error.type; only a failed request names its error.
    duration?.record((performance.timeOrigin + performance.now() - state.startMs) / 1000, state.method, state.address, state.port, status, protocolVersion, error ? errorType : undefined);
    request[kClient] = undefined;
  };

  const onCreated = (message: unknown): void => {
    if (!enabled) return;
    const request = (message as { request: ClientRequest }).request;
    try {
      const parent = context.active();
      if (isTracingSuppressed(parent)) return;
      const hostHeader = request.getHeader('host');
      const protocol = request.protocol ?? 'http:';
      const host = parseHostHeader(typeof hostHeader === 'string' ? hostHeader : (request.host ?? 'localhost'), protocol.slice(0, -1));
      if (ignore?.({ hostname: host.address, port: host.port, protocol })) return;
      const methodOriginal = request.method ?? 'GET';
      const method = normalizeMethod(methodOriginal);
      const urlFull = `${protocol}//${typeof hostHeader === 'string' ? hostHeader : (request.host ?? 'localhost')}${request.path}`;
      const startMs = performance.timeOrigin + performance.now();

      const parentSpanContext = trace.getSpanContext(parent);
      const validParent = parentSpanContext !== undefined && isSpanContextValid(parentSpanContext);
      const ids = newSpanIdBytes(validParent ? parentSpanContext : undefined, validParent ? idBytesOf(trace.getSpan(parent)) : undefined);
      const traceId = validParent ? parentSpanContext.traceId : hexOf(ids, 0, 16);
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_SERVER_ADDRESS]: host.address,
        [ATTR_SERVER_PORT]: host.port,
        [ATTR_URL_FULL]: urlFull,
      };
      const sampling = sampler.shouldSample(parent, traceId, method, SpanKind.CLIENT, attributes, NO_LINKS);
      const spanContext = newSpanContext(traceId, ids, sampling, validParent ? parentSpanContext : undefined);
      let span: FastSpan | undefined;
      if (sampling.decision !== SamplingDecision.NOT_RECORD) {
        const userAgent = request.getHeader('user-agent');
        if (typeof userAgent === 'string') attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
        if (method !== methodOriginal) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = methodOriginal;
        for (let i = 0; i < requestHeaders.length; i++) {
          const value = request.getHeader(requestHeaders[i]![0]);
          if (value !== undefined) attributes[requestHeaders[i]![1]] = Array.isArray(value) ? value : [String(value)];
        }
        span = new FastSpan(sink, method, SpanKind.CLIENT, spanContext, validParent ? parentSpanContext : undefined, attributes, scope, startMs, ids);
        for (let i = 0; i < sink.processors.length; i++) sink.processors[i]!.onStart(span as never, parent);
      }
      // Propagate even when not recording: the callee continues the trace (or its unsampled flag).
      if (!request.headersSent) propagation.inject(trace.setSpan(parent, span ?? trace.wrapSpanContext(spanContext)), request, setter);
      request[kContext] = parent;
      request[kClient] = { span, method, address: host.address, port: host.port, startMs, ended: false };
    } catch (err) {
      agentLog.debug('http client span not started:', err);
    }
  };

  const onResponse = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequest; response: http.IncomingMessage & { [kContext]?: Context } };
    try {
      const state = request[kClient];
      if (!state) return;
      response[kContext] = request[kContext];
      const span = state.span;
      if (span) {
        const attributes = span.attributes;
        attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = response.statusCode;
        const socket = response.socket;
        if (socket) {
          attributes[ATTR_NETWORK_PEER_ADDRESS] = socket.remoteAddress;
          attributes[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
        }
        attributes[ATTR_NETWORK_PROTOCOL_VERSION] = response.httpVersion;
        for (let i = 0; i < responseHeaders.length; i++) {
          const value = response.headers[responseHeaders[i]![0]];
          if (value !== undefined) attributes[responseHeaders[i]![1]] = Array.isArray(value) ? value : [value];
        }
      }
      // The span ends with the response: its body read to the end, or the response closed.
      const done = () => finish(request, state, response.statusCode, response.httpVersion);
      response.once('end', done);
      response.once('close', done);
    } catch (err) {
      agentLog.debug('http client response not recorded:', err);
    }
  };

  const onError = (message: unknown): void => {
    const { request, error } = message as { request: ClientRequest; error: Error };
    try {
      const state = request[kClient];
      if (state) finish(request, state, undefined, undefined, error);
    } catch (err) {
      agentLog.debug('http client error not recorded:', err);
    }
  };

  // The request's events ('response', 'error', ...) run in the caller's context.
  const original = Object.getOwnPropertyDescriptor(http.ClientRequest.prototype, 'emit');
  const emit = http.ClientRequest.prototype.emit as EmitFn;
  Object.defineProperty(http.ClientRequest.prototype, 'emit', {
    value: function (this: ClientRequest) {
      const ctx = this[kContext];
      // eslint-disable-next-line prefer-rest-params -- hands the arguments object on: no array per emitted event
      return ctx === undefined ? emit.apply(this, arguments as unknown as unknown[]) : contexts.runApply(ctx, emit as never, this, arguments);
    },
    writable: true, configurable: true, enumerable: false,
  });
  diagnosticsChannel.subscribe('http.client.request.created', onCreated);
  diagnosticsChannel.subscribe('http.client.response.finish', onResponse);
  diagnosticsChannel.subscribe('http.client.request.error', onError);

  return () => {
    enabled = false;
    diagnosticsChannel.unsubscribe('http.client.request.created', onCreated);
    diagnosticsChannel.unsubscribe('http.client.response.finish', onResponse);
    diagnosticsChannel.unsubscribe('http.client.request.error', onError);
    if (original) Object.defineProperty(http.ClientRequest.prototype, 'emit', original);
    else delete (http.ClientRequest.prototype as { emit?: unknown }).emit;
  };
}
