import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { context } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { defaultLogger, type Logger } from './logger';

// `req.logger` for TypeScript apps: Express's Request lives in the global `Express` namespace
// (@types/express-serve-static-core), so this merges without importing express.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express declares Request in a global namespace; merging needs one
  namespace Express {
    interface Request {
      /** Child logger of this request (set by otel-companion's requestLogger()). */
      logger: Logger;
    }
  }
}

/** The parts of an Express (4 or 5) request the middleware reads; express itself is never loaded. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  user?: { id?: unknown } | undefined;
  logger?: Logger;
  method?: string;
  originalUrl?: string;
  url?: string;
  baseUrl?: string;
  route?: { path?: unknown };
}

/** The parts of a response the access log reads. */
interface ResponseLike {
  statusCode?: number;
  once?(event: 'finish' | 'close', listener: () => void): unknown;
}

export interface RequestLoggerOptions {
  /** Parent of every request's child logger. Default: one shared createLogger(). */
  logger?: Logger;
  /** Header carrying the tenant. Default `x-tenant-id`. */
  tenantHeader?: string;
  /** Header carrying a caller-supplied request id. Default `x-request-id`. */
  requestIdHeader?: string;
  /** Where the user id is. Default `req.user?.id` (passport and most auth middlewares). */
  userId?: (req: RequestLike) => unknown;
  /**
   * One line per finished request (level http): method, route, path, status and
   * duration_ms, at info (warn for 4xx, error for 5xx). Default false.
   */
  accessLog?: boolean;
}

function pathOnly(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function logAccess(req: RequestLike, res: ResponseLike, startedAt: bigint): void {
  try {
    const status = res.statusCode ?? 0;
    const fields: Record<string, unknown> = {
      [ATTR_HTTP_REQUEST_METHOD]: req.method,
      [ATTR_URL_PATH]: pathOnly(req.originalUrl ?? req.url),
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
      duration_ms: Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100,
    };
    // The server span's route (the full template, e.g. /api/orgs/:org/users/:id) when the agent
    // records one; without the agent, the best Express itself knows.
    const route = getRPCMetadata(context.active())?.route;
    if (route !== undefined) fields[ATTR_HTTP_ROUTE] = route;
    else if (typeof req.route?.path === 'string') fields[ATTR_HTTP_ROUTE] = `${req.baseUrl ?? ''}${req.route.path}`;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    req.logger?.log(level, 'request completed', fields);
  } catch {
    // The access line is best effort.
  }
}

function headerValue(req: RequestLike, name: string): string | undefined {
  const v = req.headers[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined || first === '' ? undefined : first;
}

const defaultUserId = (req: RequestLike): unknown => req.user?.id;

/**
 * Express middleware: `req.logger` is a child logger carrying tenant_id, user_id and request_id
 * when present; trace_id/span_id come from the active span at each line.
 *
 * The child is made on first use, not here, so that an auth middleware mounted after this one
 * still gets its `req.user` into the lines, and requests that never log cost nothing.
 */
export function requestLogger(options: RequestLoggerOptions = {}) {
  const tenantHeader = (options.tenantHeader ?? 'x-tenant-id').toLowerCase();
  const requestIdHeader = (options.requestIdHeader ?? 'x-request-id').toLowerCase();
  const readUserId = options.userId ?? defaultUserId;

  return function otelCompanionRequestLogger(req: RequestLike, res: ResponseLike, next: (err?: unknown) => void): void {
    let child: Logger | undefined;
    let childHasUser = false;
    try {
      Object.defineProperty(req, 'logger', {
        configurable: true,
        enumerable: true,
        get(): Logger {
          let userId: unknown;
          try {
            userId = readUserId(req);
          } catch {
            userId = undefined;
          }
          const hasUser = userId !== undefined && userId !== null && userId !== '';
          if (!child || (hasUser && !childHasUser)) {
            const bindings: Record<string, unknown> = {};
            const tenant = headerValue(req, tenantHeader);
            const requestId = headerValue(req, requestIdHeader);
            if (tenant !== undefined) bindings.tenant_id = tenant;
            // eslint-disable-next-line @typescript-eslint/no-base-to-string -- object ids (MongoDB's ObjectId) print as their id
            if (hasUser) bindings.user_id = typeof userId === 'object' ? String(userId) : userId;
            if (requestId !== undefined) bindings.request_id = requestId;
            child = (options.logger ?? defaultLogger()).child(bindings);
            childHasUser = hasUser;
          }
          return child;
        },
        set(value: Logger) {
          Object.defineProperty(req, 'logger', { value, writable: true, configurable: true, enumerable: true });
        },
      });
    } catch {
      // A frozen request object: leave it alone rather than fail the request.
    }
    if (options.accessLog && typeof res?.once === 'function') {
      const startedAt = process.hrtime.bigint();
      // 'finish' runs in the request's async context, so the line carries its trace_id.
      res.once('finish', () => logAccess(req, res, startedAt));
    }
    next();
  };
}
