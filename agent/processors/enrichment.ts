import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';

/**
 * Copies chosen request headers to server span attributes when the span starts (so samplers and
 * span processors see them), e.g. x-tenant-id → tenant.id. The instrumentation's own
 * headersToSpanAttributes only knows the fixed http.request.header.<name> form.
 */
export function headerAttributesHook(mapping: Record<string, string>): HttpInstrumentationConfig['startIncomingSpanHook'] | undefined {
  const pairs = Object.entries(mapping)
    .map(([header, attr]) => [header.trim().toLowerCase(), attr.trim()] as const)
    .filter(([h, a]) => h && a);
  if (!pairs.length) return undefined;
  return (request: IncomingMessage): Attributes => {
    const out: Attributes = {};
    const headers = request.headers;
    for (let i = 0; i < pairs.length; i++) {
      const [header, attr] = pairs[i]!;
      const value = headers[header];
      if (value === undefined) continue;
      out[attr] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  };
}

/** headersToSpanAttributes for server and client spans, from one list of names. */
export function capturedHeaders(names: readonly string[]): HttpInstrumentationConfig['headersToSpanAttributes'] | undefined {
  const list = [...new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean))];
  if (!list.length) return undefined;
  return {
    server: { requestHeaders: list, responseHeaders: list },
    client: { requestHeaders: list, responseHeaders: list },
  };
}
