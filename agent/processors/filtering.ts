import { isSpanContextValid, SpanKind, trace, TraceFlags, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';
import { ATTR_URL_FULL, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { RequestOptions } from 'node:http';

// Deprecated http.target (old semconv, still emitted by some instrumentations); copied rather than
// imported from the unstable incubating entry point, as semantic-conventions recommends.
const ATTR_HTTP_TARGET = 'http.target';

const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/** Paths that are never traced: exact paths, and prefixes written as `/path/*`. */
export class RouteMatcher {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(routes: readonly string[]) {
    for (const r of routes) {
      if (r === 'none') continue;
      if (r.endsWith('/*')) this.prefixes.push(r.slice(0, -1));
      else this.exact.add(trimSlash(r));
    }
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.prefixes.length === 0;
  }

  matches(pathOrTarget: string): boolean {
    let path = pathOrTarget;
    const q = path.indexOf('?');
    if (q >= 0) path = path.slice(0, q);
    if (this.exact.has(trimSlash(path))) return true;
    for (let i = 0; i < this.prefixes.length; i++) if (path.startsWith(this.prefixes[i]!)) return true;
    return false;
  }
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** The collector's host:port pairs, so that the agent never traces its own exports. */
export class CollectorMatcher {
  private readonly hostPorts = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(urls: readonly string[]) {
    for (const raw of urls) {
      try {
        const u = new URL(raw);
        const port = u.port || (u.protocol === 'https:' ? '443' : '80');
        for (const host of aliases(u.hostname)) this.hostPorts.add(`${host}:${port}`);
        this.prefixes.push(`${u.protocol}//${u.host}/`);
      } catch {
        // an invalid URL was already reported by the config loader
      }
    }
  }

  matchesUrl(url: string): boolean {
    for (let i = 0; i < this.prefixes.length; i++) if (url.startsWith(this.prefixes[i]!)) return true;
    return false;
  }

  matchesRequest(options: RequestOptions): boolean {
    const host = (options.hostname ?? options.host ?? 'localhost').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const port = String(options.port ?? (options.protocol === 'https:' ? 443 : 80));
    return this.hostPorts.has(`${host}:${port}`);
  }
}

function aliases(host: string): string[] {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '127.0.0.1' || h === '::1') return ['localhost', '127.0.0.1', '::1'];
  return [h];
}

/**
 * Drops whole traces in the sampler, so that no child (express, pg) of a filtered request is
 * recorded either: a span whose local parent was not sampled is not sampled, whatever the base
 * sampler would say. Tail-style rules (keep errors, keep slow) belong to the collector.
 */
export class FilteringSampler implements Sampler {
  constructor(private readonly base: Sampler, private readonly routes: RouteMatcher, private readonly collector: CollectorMatcher) {}

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent && !parent.isRemote && isSpanContextValid(parent) && (parent.traceFlags & TraceFlags.SAMPLED) === 0) return DROP;
    if (spanKind === SpanKind.SERVER && !this.routes.empty) {
      const path = attributes[ATTR_URL_PATH] ?? attributes[ATTR_HTTP_TARGET];
      if (typeof path === 'string' && this.routes.matches(path)) return DROP;
    } else if (spanKind === SpanKind.CLIENT) {
      const url = attributes[ATTR_URL_FULL];
      if (typeof url === 'string' && this.collector.matchesUrl(url)) return DROP;
    }
    return this.base.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `FilteringSampler{${this.base.toString()}}`;
  }
}
