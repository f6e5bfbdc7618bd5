import type { IncomingHttpHeaders } from 'node:http';

/**
 * HTTP attribute helpers of the agent's own HTTP spans, with the semantic conventions' rules as
 * @opentelemetry/instrumentation-http applies them (test/tracing/http-fast-path.test.ts compares
 * both on the same requests), read from the request line and headers without a URL parse.
 */

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** http.request.method: a known method upper-cased, else `_OTHER` (the original goes to http.request.method_original). */
export function normalizeMethod(method: string): string {
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

export interface HostAndPort {
  address?: string;
  port?: number;
}

const NONE: HostAndPort = {};

type ForwardedEntry = { host?: string; proto?: string; for?: string };
let forwardedParse: ((header: string) => ForwardedEntry[]) | undefined;

/** The `Forwarded` header (RFC 7239), parsed by the library instrumentation-http uses; rare, so loaded on first use. */
function forwarded(header: string): ForwardedEntry[] {
  try {
    forwardedParse ??= require('forwarded-parse') as (header: string) => ForwardedEntry[];
    return forwardedParse(header);
  } catch {
    return [];
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `host[:port]` or `[v6]:port` → server.address and server.port; the scheme's port when none is given. */
export function parseHostHeader(host: string, scheme: string | undefined): HostAndPort {
  let address = host;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close > 0 && host.charCodeAt(close + 1) === 58 /* : */) {
      address = host.slice(0, close + 1);
      port = host.slice(close + 2);
    }
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) {
      if (host.indexOf(':', colon + 1) >= 0) return { address: host };
      address = host.slice(0, colon);
      port = host.slice(colon + 1);
    }
  }
  if (port === undefined) port = scheme === 'http' ? '80' : scheme === 'https' ? '443' : undefined;
  const n = port === undefined || port === '' ? NaN : Number(port);
  return Number.isInteger(n) ? { address, port: n } : { address };
}

/** server.address/port of a server request: Forwarded host, X-Forwarded-Host, then Host. */
export function parseHost(headers: IncomingHttpHeaders, scheme: string): HostAndPort {
  const fwd = headers.forwarded;
  if (fwd) {
    for (const entry of forwarded(fwd)) if (entry.host) return parseHostHeader(entry.host, entry.proto);
  }
  const xHost = firstHeader(headers['x-forwarded-host']);
  if (xHost) return parseHostHeader(xHost, firstHeader(headers['x-forwarded-proto']));
  const host = headers.host;
  return host ? parseHostHeader(host, scheme) : NONE;
}

function withoutPort(address: string): string {
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    return close > 0 ? address.slice(1, close) : address;
  }
  const colon = address.indexOf(':');
  return colon >= 0 && address.indexOf(':', colon + 1) < 0 ? address.slice(0, colon) : address;
}

/** client.address: Forwarded for=, the first X-Forwarded-For, else the peer. */
export function remoteClientAddress(headers: IncomingHttpHeaders, peer: string | undefined): string | undefined {
  const fwd = headers.forwarded;
  if (fwd) {
    for (const entry of forwarded(fwd)) if (entry.for) return withoutPort(entry.for);
  }
  const xff = firstHeader(headers['x-forwarded-for']);
  if (xff) {
    const comma = xff.indexOf(',');
    return withoutPort((comma < 0 ? xff : xff.slice(0, comma)).trim());
  }
  return peer;
}
