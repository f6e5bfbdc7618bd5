import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import {
  InstrumentationBase, InstrumentationNodeModuleDefinition, type Instrumentation, type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { agentLog } from '../runtime/agent-log';

/**
 * `http.route` for Express 4 and 5, computed from what the app declares.
 *
 * Express keeps no record of the templates a request went through: a layer stores a compiled
 * matcher, `req.baseUrl` is the matched text. So the templates are captured where they are
 * declared (`Router#use(path, ...)` and `Router#route(path)`, which `app.use`, `app.METHOD`,
 * `app.route`, `router.METHOD` and sub-app mounts all go through), and each request records the
 * mounts it is inside:
 *
 * - a layer mounted with a path pushes its template when Express enters it and pops it when it
 *   hands the request on (its `next`); mounts on `/` add nothing and are not wrapped;
 * - a route layer, when Express dispatches the request to it, writes the mounts' templates plus
 *   its own into `RPCMetadata.route` of the active context, which whoever owns the HTTP server
 *   span (instrumentation-http today) reads when the response ends;
 * - middleware never sets the route: a request that no route matched has none, rather than the
 *   path of the last middleware it passed.
 *
 * Per request this costs a context look-up per wrapped layer passed, one array when a mounted
 * router is entered and one closure per mount (its exit); the route string is built once per
 * distinct mount chain and reused. Requests without HTTP RPC metadata (not traced as server
 * requests) skip all of it.
 */

const kMounts = Symbol('otel-companion.express.mounts');
const kRoute = Symbol('otel-companion.express.route');

type Next = (err?: unknown) => unknown;
interface Request {
  url: string;
  baseUrl?: string;
  /** Per request: [template, baseUrl after the mount, template, baseUrl, ...] of the mounts it is inside. */
  [kMounts]?: string[];
  /** The last route dispatched, kept for the upstream layer-span instrumentation (see below). */
  [kRoute]?: string;
}
type Handle = ((this: unknown, req: Request, res: unknown, next: Next) => unknown) & { length: number };
interface Layer { handle: Handle; match(path: string): unknown }
interface Router { stack: Layer[]; caseSensitive?: boolean; strict?: boolean }
type RouterMethod = (this: Router, ...args: unknown[]) => unknown;
interface RouterPrototype { use: RouterMethod; route: RouterMethod }
type RouterFactory = (options: { caseSensitive?: boolean; strict?: boolean }) => Router;

/** Switched off by disable(): wrapped layers stay in the app's routers, so they check it. */
interface State { enabled: boolean; keepRouteOnRequest: boolean }

/** One template a route was declared with, and the full route last built from it. */
interface RouteTemplate {
  readonly text: string;
  /** The route when no mount is above it. */
  readonly alone: string;
  lastMounts?: string[];
  lastRoute?: string;
}

/**
 * The declared path of a route or mount. A path array is one layer in Express; which element
 * matched is found by matching each element on its own, with Express's own matcher.
 */
interface Declared<T> {
  readonly single?: T;
  readonly elements?: readonly T[];
  readonly matchers?: readonly Layer[];
  /** When no element can be told apart: all of them, as Express lists them. */
  readonly joined?: T;
}

/** A mount's template without trailing slashes (Express strips them from req.baseUrl too); `/` is ''. */
function mountText(path: unknown): string {
  const text = String(path);
  if (typeof path !== 'string') return text;
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 47 /* / */) end--;
  return text.slice(0, end);
}

function routeTemplate(path: unknown): RouteTemplate {
  const text = String(path);
  return { text, alone: text === '' ? '/' : text };
}

/** The first argument of Router#use is a path unless it is (an array starting with) a function. */
function useArgumentPath(first: unknown): unknown {
  let arg = first;
  while (Array.isArray(arg) && arg.length !== 0) arg = arg[0];
  return typeof arg === 'function' ? undefined : first;
}

function pathOf(req: Request): string {
  const url = req.url;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function matches(layer: Layer, path: string): boolean {
  try {
    return Boolean(layer.match(path));
  } catch {
    return false; // a param that does not decode: Express would not have dispatched here either
  }
}

function pick<T>(declared: Declared<T>, path: string): T {
  if (declared.single !== undefined) return declared.single;
  const { elements, matchers } = declared;
  for (let i = 0; i < elements!.length; i++) if (matches(matchers![i], path)) return elements![i];
  return declared.joined!;
}

/** String mounts carry no trailing slash; a regular expression's text ends with its closing `/`. */
function joinPaths(prefix: string, path: string): string {
  return prefix.endsWith('/') && path.startsWith('/') ? prefix + path.slice(1) : prefix + path;
}

function fullRoute(template: RouteTemplate, mounts: string[] | undefined): string {
  if (mounts === undefined || mounts.length === 0) return template.alone;
  const last = template.lastMounts;
  if (last !== undefined && last.length * 2 === mounts.length) {
    let i = 0;
    while (i < last.length && last[i] === mounts[i * 2]) i++;
    if (i === last.length) return template.lastRoute!;
  }
  const chain = new Array<string>(mounts.length / 2);
  let prefix = '';
  for (let i = 0; i < chain.length; i++) {
    chain[i] = mounts[i * 2];
    prefix = joinPaths(prefix, chain[i]);
  }
  // A route on `/` under a mount is the mount's path (Express matches `/items` and `/items/`).
  const route = template.text === '/' || template.text === '' ? prefix || '/' : joinPaths(prefix, template.text);
  template.lastMounts = chain;
  template.lastRoute = route;
  return route;
}

function traced(): { route?: string } | undefined {
  const rpc = getRPCMetadata(context.active());
  return rpc !== undefined && rpc.type === RPCType.HTTP ? rpc : undefined;
}

/** Express reads (and tools like express-list-endpoints read) properties of a mounted handle: keep them visible. */
function replaceHandle(layer: Layer, original: Handle, wrapped: Handle): void {
  Object.setPrototypeOf(wrapped, original);
  layer.handle = wrapped;
}

function wrapRouteLayer(layer: Layer, declared: Declared<RouteTemplate>, state: State): void {
  const original = layer.handle;
  if (typeof original !== 'function') return;
  replaceHandle(layer, original, function routeLayerHandle(this: unknown, req, res, next) {
    if (state.enabled) {
      const rpc = traced();
      if (rpc !== undefined) {
        const route = fullRoute(pick(declared, pathOf(req)), req[kMounts]);
        rpc.route = route;
        if (state.keepRouteOnRequest) req[kRoute] = route;
      }
    }
    return original.call(this, req, res, next);
  } as Handle);
}

function wrapMountLayer(layer: Layer, declared: Declared<string>, state: State): void {
  const original = layer.handle;
  // Error handlers (arity 4) are only called with an error, never to route a request further.
  if (typeof original !== 'function' || original.length > 3) return;
  replaceHandle(layer, original, function mountedHandle(this: unknown, req, res, next) {
    if (!state.enabled || traced() === undefined) return original.call(this, req, res, next);
    let mounts = req[kMounts];
    if (mounts === undefined) {
      mounts = [];
      req[kMounts] = mounts;
    }
    const depth = mounts.length;
    const baseUrl = req.baseUrl ?? '';
    mounts.push(declared.single ?? pickMount(declared, mounts, baseUrl), baseUrl);
    const stack = mounts;
    try {
      return original.call(this, req, res, function leaveMount(err?: unknown) {
        if (stack.length > depth) stack.length = depth;
        return next(err);
      });
    } catch (err) {
      if (stack.length > depth) stack.length = depth;
      throw err;
    }
  } as Handle);
}

/** The part of req.baseUrl this mount matched tells which element of a path array it was. */
function pickMount(declared: Declared<string>, mounts: string[], baseUrl: string): string {
  const parent = mounts.length === 0 ? '' : mounts[mounts.length - 1];
  if (!baseUrl.startsWith(parent)) return declared.joined!;
  const matched = baseUrl.slice(parent.length);
  if (matched === '') return declared.elements!.find((e) => e === '') ?? declared.joined!;
  return pick(declared, matched);
}

/**
 * Elements of a path array, each with a layer of its own made by a scratch router of the same
 * Express, with the options of the router it was declared on: the same matching as the real layer.
 */
function declareArray<T>(
  paths: unknown[], toTemplate: (p: unknown) => T, join: (texts: string) => T,
  makeLayer: (path: unknown) => Layer | undefined,
): Declared<T> {
  const flat = paths.flat(Infinity);
  const joined = join(flat.map(String).join(','));
  const matchers: Layer[] = [];
  for (const p of flat) {
    const layer = makeLayer(p);
    if (!layer) return { joined, single: joined };
    matchers.push(layer);
  }
  return { elements: flat.map(toTemplate), matchers, joined };
}

interface Originals { use: RouterMethod; route: RouterMethod }

function patchRouterPrototype(proto: RouterPrototype, factory: RouterFactory, state: State): Originals {
  const originals: Originals = { use: proto.use, route: proto.route };

  const scratchLayer = (router: Router, path: unknown, strict: boolean | undefined): Layer | undefined => {
    const scratch = factory({ caseSensitive: router.caseSensitive, strict });
    // end: true for both: an element must match a route's whole path, or exactly what a mount matched.
    originals.route.call(scratch, path);
    return scratch.stack[scratch.stack.length - 1];
  };

  proto.use = function use(this: Router, first?: unknown) {
    const before = Array.isArray(this.stack) ? this.stack.length : 0;
    // eslint-disable-next-line prefer-rest-params -- passes on exactly the arguments given, their count included
    const result = originals.use.apply(this, arguments as unknown as unknown[]);
    try {
      const path = useArgumentPath(first);
      if (path === undefined || !Array.isArray(this.stack)) return result;
      let declared: Declared<string>;
      if (Array.isArray(path)) {
        declared = declareArray(path, mountText, (t) => t, (p) => scratchLayer(this, p, false));
      } else {
        const text = mountText(path);
        if (text === '') return result; // mounted on `/`: adds nothing to the route
        declared = { single: text };
      }
      for (let i = before; i < this.stack.length; i++) wrapMountLayer(this.stack[i], declared, state);
    } catch (err) {
      agentLog.debug(`express route: could not record a mount (${(err as Error).message})`);
    }
    return result;
  };

  proto.route = function route(this: Router, path?: unknown) {
    // eslint-disable-next-line prefer-rest-params -- passes on exactly the arguments given, their count included
    const result = originals.route.apply(this, arguments as unknown as unknown[]);
    try {
      const layer = Array.isArray(this.stack) ? this.stack[this.stack.length - 1] : undefined;
      if (layer) {
        const declared: Declared<RouteTemplate> = Array.isArray(path)
          ? declareArray(path, routeTemplate, routeTemplate, (p) => scratchLayer(this, p, this.strict))
          : { single: routeTemplate(path) };
        wrapRouteLayer(layer, declared, state);
      }
    } catch (err) {
      agentLog.debug(`express route: could not record a route (${(err as Error).message})`);
    }
    return result;
  };
  return originals;
}

interface ExpressExports {
  Router?: RouterFactory & { prototype?: Partial<RouterPrototype> } & Partial<RouterPrototype>;
  default?: ExpressExports;
}

/** Express 5 (the `router` package) has a Router class; Express 4's Router is the prototype object itself. */
function routerOf(moduleExports: ExpressExports | undefined): { proto: RouterPrototype; factory: RouterFactory } | undefined {
  const exp = moduleExports?.Router ? moduleExports : moduleExports?.default;
  const Router = exp?.Router;
  if (typeof Router !== 'function') return undefined;
  const proto = (typeof Router.prototype?.route === 'function' ? Router.prototype : Router) as Partial<RouterPrototype>;
  if (typeof proto.route !== 'function' || typeof proto.use !== 'function') return undefined;
  return { proto: proto as RouterPrototype, factory: Router };
}

export class ExpressRouteInstrumentation extends InstrumentationBase<InstrumentationConfig> {
  private readonly state: State;
  private readonly patched = new Map<RouterPrototype, Originals>();

  constructor(options: { keepRouteOnRequest?: boolean } = {}) {
    // The base constructor enables the instrumentation, so the state must exist before it.
    const state: State = { enabled: false, keepRouteOnRequest: options.keepRouteOnRequest === true };
    super('otel-companion/express-route', '1.0.0', { enabled: false });
    this.state = state;
    this.enable();
  }

  protected init() {
    return [new InstrumentationNodeModuleDefinition(
      'express',
      ['>=4.0.0 <6'],
      (moduleExports: ExpressExports) => {
        const router = routerOf(moduleExports);
        if (!router) {
          agentLog.warn('express: Router#use/#route not found in this version; http.route is not recorded');
          return moduleExports;
        }
        // Two copies of Express 5 can share one `router` package: patch its prototype once.
        if (!this.patched.has(router.proto)) this.patched.set(router.proto, patchRouterPrototype(router.proto, router.factory, this.state));
        return moduleExports;
      },
      (moduleExports: ExpressExports) => {
        const router = routerOf(moduleExports);
        const originals = router && this.patched.get(router.proto);
        if (!router || !originals) return;
        router.proto.use = originals.use;
        router.proto.route = originals.route;
        this.patched.delete(router.proto);
      },
    )];
  }

  override enable(): void {
    if (this.state) this.state.enabled = true;
    super.enable();
  }

  override disable(): void {
    if (this.state) this.state.enabled = false;
    super.disable();
  }
}

/**
 * The Express instrumentations for the agent: the route recorder, and with layer spans on,
 * upstream's instrumentation for the spans. Upstream also writes RPCMetadata.route on every layer
 * it wraps (a guess from mount paths for middleware); its request hook runs after that write, so
 * the route recorded here is put back each time.
 */
export function createExpressInstrumentations(options: { layerSpans: boolean }): Instrumentation[] {
  const routes = new ExpressRouteInstrumentation({ keepRouteOnRequest: options.layerSpans });
  if (!options.layerSpans) return [routes];
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const layers = new ExpressInstrumentation({
    requestHook: (_span, info) => {
      const rpc = traced();
      if (rpc !== undefined) rpc.route = (info.request as Request)[kRoute];
    },
  });
  return [routes, layers];
}
