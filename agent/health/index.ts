import * as v8 from 'node:v8';
import { ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { agentResourceString } from '../runtime/running-agent';
import { readiness } from './readiness';

export { markReady, markNotReady, markShuttingDown } from './readiness';

/** Per-check status: ok, warning (degrades the service) or error (makes it unhealthy). */
export type CheckStatus = 'ok' | 'warning' | 'error';
export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy';

/**
 * What a check may return: nothing (ok), a boolean, or an object with a status and any details
 * (reported as they are). Throwing or rejecting means error, with the message as `error`.
 */
export type CheckOutcome = void | undefined | boolean | ({ status?: CheckStatus | 'healthy' | 'degraded' | 'unhealthy'; error?: string } & Record<string, unknown>);
export type HealthCheck = () => CheckOutcome | Promise<CheckOutcome>;

export interface CheckResult extends Record<string, unknown> {
  status: CheckStatus;
  latency_ms: number;
  error?: string;
}

export interface HealthReport {
  status: OverallStatus;
  checks: Record<string, CheckResult>;
  version?: string;
  /** Seconds since the process started. */
  uptime: number;
  timestamp: string;
}

export interface HealthRouterOptions {
  /** Named checks, run in parallel on each GET /health. */
  checks?: Record<string, HealthCheck>;
  /** Reported as `version`. Default: the agent's service.version, else npm_package_version. */
  version?: string;
  /** Per-check timeout (ms). Default 5000. */
  timeoutMs?: number;
  /** Paths (relative to where the router is mounted). Defaults /health and /ready. */
  healthPath?: string;
  readyPath?: string;
}

/** The parts of Node's (and Express's) request and response used; express is never loaded. */
interface Req { method?: string; url?: string }
interface Res {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}
export type HealthRouter = (req: Req, res: Res, next?: (err?: unknown) => void) => void;

const DEFAULT_TIMEOUT_MS = 5000;

function normalizeStatus(s: unknown): CheckStatus {
  if (s === 'warning' || s === 'degraded') return 'warning';
  if (s === 'error' || s === 'unhealthy' || s === 'fail') return 'error';
  return 'ok';
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Runs one check under its timeout. Never rejects. */
export async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      timer.unref?.();
    });
    const outcome = await Promise.race([Promise.resolve().then(check), timeout]);
    const latency_ms = round(performance.now() - start);
    if (outcome === false) return { status: 'error', latency_ms, error: 'check returned false' };
    if (outcome === undefined || outcome === null || outcome === true) return { status: 'ok', latency_ms };
    const { status, error, ...details } = outcome;
    const result: CheckResult = { ...details, status: normalizeStatus(status), latency_ms };
    if (error !== undefined) result.error = String(error);
    return result;
  } catch (err) {
    return { status: 'error', latency_ms: round(performance.now() - start), error: (err as Error)?.message ?? String(err) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function defaultVersion(): string | undefined {
  return agentResourceString(ATTR_SERVICE_VERSION) ?? process.env.npm_package_version;
}

/** Runs every check in parallel; unhealthy when any errs, degraded when any warns. */
export async function checkHealth(options: HealthRouterOptions = {}): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const entries = Object.entries(options.checks ?? {});
  const results = await Promise.all(entries.map(([, check]) => runCheck(check, timeoutMs)));
  const checks: Record<string, CheckResult> = {};
  entries.forEach(([name], i) => (checks[name] = results[i]!));
  const status: OverallStatus = results.some((r) => r.status === 'error')
    ? 'unhealthy'
    : results.some((r) => r.status === 'warning') ? 'degraded' : 'healthy';
  return { status, checks, version: options.version ?? defaultVersion(), uptime: round(process.uptime()), timestamp: new Date().toISOString() };
}

function send(res: Res, status: number, body: unknown, head: boolean): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(head ? undefined : JSON.stringify(body));
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  const p = q === -1 ? raw : raw.slice(0, q);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * Express (4 or 5) router for `GET /health` and `GET /ready`: `app.use(healthRouter({ checks }))`.
 * It is a plain `(req, res, next)` handler, so the agent never loads express, and it works with
 * node:http too. Other paths and methods go to `next()`.
 */
export function healthRouter(options: HealthRouterOptions = {}): HealthRouter {
  const healthPath = options.healthPath ?? '/health';
  const readyPath = options.readyPath ?? '/ready';
  return function otelCompanionHealth(req, res, next) {
    const method = req.method ?? 'GET';
    const path = pathOf(req.url);
    const head = method === 'HEAD';
    if ((method !== 'GET' && !head) || (path !== healthPath && path !== readyPath)) {
      if (next) next();
      else send(res, 404, { error: 'not found' }, head);
      return;
    }
    if (path === readyPath) {
      const r = readiness();
      if (r.shuttingDown) send(res, 503, { status: 'shutting down' }, head);
      else if (!r.ready) send(res, 503, { status: 'not ready' }, head);
      else send(res, 200, { status: 'ready' }, head);
      return;
    }
    checkHealth(options).then(
      (report) => send(res, report.status === 'unhealthy' ? 503 : 200, report, head),
      (err: unknown) => send(res, 503, { status: 'unhealthy', error: (err as Error)?.message ?? String(err), timestamp: new Date().toISOString() }, head),
    );
  };
}

/** The part of pg.Pool (or pg.Client) used: query, plus the pool counters when present. */
export interface PgQueryable {
  query(text: string): Promise<unknown>;
  totalCount?: number;
  idleCount?: number;
  waitingCount?: number;
}

/** `SELECT 1` through the pool; latency_ms is the round trip, plus the pool's counters. */
export function pgCheck(pool: PgQueryable, options: { query?: string } = {}): HealthCheck {
  const query = options.query ?? 'SELECT 1';
  return async () => {
    await pool.query(query);
    const details: Record<string, unknown> = { status: 'ok' };
    if (typeof pool.totalCount === 'number') details.total_connections = pool.totalCount;
    if (typeof pool.idleCount === 'number') details.idle_connections = pool.idleCount;
    if (typeof pool.waitingCount === 'number') details.waiting_requests = pool.waitingCount;
    return details as CheckOutcome;
  };
}

/**
 * Heap used against V8's heap limit (what --max-old-space-size sets): warning above
 * `maxHeapRatio` (default 0.9), error above `errorHeapRatio` when given.
 */
export function memoryCheck(options: { maxHeapRatio?: number; errorHeapRatio?: number } = {}): HealthCheck {
  const warnAt = options.maxHeapRatio ?? 0.9;
  return () => {
    const { used_heap_size: used, heap_size_limit: limit } = v8.getHeapStatistics();
    const ratio = limit > 0 ? used / limit : 0;
    const status: CheckStatus = options.errorHeapRatio !== undefined && ratio > options.errorHeapRatio ? 'error' : ratio > warnAt ? 'warning' : 'ok';
    return {
      status,
      heap_used_bytes: used,
      heap_limit_bytes: limit,
      heap_ratio: Math.round(ratio * 1000) / 1000,
      rss_bytes: process.memoryUsage.rss(),
    };
  };
}
