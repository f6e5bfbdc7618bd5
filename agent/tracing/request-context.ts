import { trace, type Context, type Span } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { contextKeysMatch, RPC_METADATA_KEY, SPAN_KEY } from '../upstream/context-keys';
import { CONTEXT_SCOPE, type ScopedContext } from '../upstream/context-manager';

/**
 * The context a traced request runs in: its parent (what the propagators extracted from the
 * headers), its server span, and the RPC metadata the Express route recorder writes the route
 * into. It answers those two keys itself and asks the parent for anything else, so a request costs
 * one small object instead of two copied Maps. Setting a value (an app's own context keys,
 * baggage, a child span) makes a DerivedContext that answers that one key.
 */
class RequestContext implements ScopedContext {
  /** Where the context manager keeps the async frame it enters this context with. */
  [CONTEXT_SCOPE]: ScopedContext[typeof CONTEXT_SCOPE] = undefined;

  constructor(
    private readonly parent: Context,
    private readonly span: Span,
    readonly rpc: RPCMetadata,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    if (key === RPC_METADATA_KEY) return this.rpc;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new DerivedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new DerivedContext(this, key, undefined);
  }
}

/**
 * A context derived from a request's by one value (the pg spans', an app's own keys). The API's
 * contexts copy their whole Map on every `setValue`; a request's descendants are few and short-
 * lived, so each is one object that answers its key and asks its parent for the rest.
 */
class DerivedContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key: symbol,
    private readonly value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    return key === this.key ? this.value : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new DerivedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new DerivedContext(this, key, undefined);
  }
}

let ownKeys: boolean | undefined;

/** The context of a server request whose span is `span`, with RPC metadata for the route. */
export function requestContext(parent: Context, span: Span): { context: Context; rpc: RPCMetadata } {
  const rpc: RPCMetadata = { type: RPCType.HTTP, span };
  ownKeys ??= contextKeysMatch();
  if (ownKeys) return { context: new RequestContext(parent, span, rpc), rpc };
  return { context: setRPCMetadata(trace.setSpan(parent, span), rpc), rpc };
}
