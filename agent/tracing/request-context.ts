import { trace, type Context, type Span } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { contextKeysMatch, RPC_METADATA_KEY, SPAN_KEY } from '../upstream/context-keys';

/**
 * The context a traced request runs in: its parent (what the propagators extracted from the
 * headers), its server span, and the RPC metadata the Express route recorder writes the route
 * into. It answers those two keys itself and asks the parent for anything else, so a request costs
 * one small object instead of two copied Maps. Setting a value (an app's own context keys,
 * baggage) makes an ordinary context with the same content.
 */
class RequestContext implements Context {
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
    return this.plain().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.plain().deleteValue(key);
  }

  private plain(): Context {
    return setRPCMetadata(trace.setSpan(this.parent, this.span), this.rpc);
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
