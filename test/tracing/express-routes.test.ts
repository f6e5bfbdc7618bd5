import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR_HTTP_ROUTE, METRIC_HTTP_SERVER_REQUEST_DURATION } from '@opentelemetry/semantic-conventions';
import { startOtlpReceiver, type FlatSpan, type OtlpReceiver } from '../helpers/otlp-receiver';
import { REPO_ROOT, runApp, type RunningApp } from '../helpers/run-app';
import { routeApps, routeTable, type RouteApp, type RouteCase } from '../helpers/express-route-cases';
import { latestPoints } from '../metrics/otlp-metrics';

// http.route on real Express 4 and 5 apps, two of them third-party packages from npm, each run in a
// child process: under the agent (layer spans off and on), under upstream's instrumentations, and
// under a stand-in server span that only sets RPC metadata (no instrumentation-http).

const SERVER = 2; // SPAN_KIND_SERVER in OTLP
const UNMATCHED = '(unmatched)';

const method = (c: RouteCase) => c.method ?? 'GET';
const label = (c: RouteCase) => `${method(c)} ${c.path}`;

async function send(app: RunningApp, c: RouteCase): Promise<void> {
  const res = await fetch(app.baseUrl + c.path, {
    method: method(c),
    headers: c.body === undefined ? {} : { 'content-type': 'application/json' },
    body: c.body === undefined ? undefined : JSON.stringify(c.body),
  });
  await res.arrayBuffer();
  expect(res.status, `${label(c)} answered ${res.status}\n${app.stderr()}`).toBe(c.status);
}

function serverSpanOf(spans: FlatSpan[], c: RouteCase): FlatSpan | undefined {
  return spans.find((s) => s.kind === SERVER
    && (s.attributes['url.path'] ?? s.attributes['http.target']) === c.path
    && (s.attributes['http.request.method'] ?? s.attributes['http.method']) === method(c));
}

/** Sends every case, in order, and waits for the server span of each. */
async function collectRoutes(app: RunningApp, receiver: OtlpReceiver, routeApp: RouteApp): Promise<Map<RouteCase, string | null>> {
  for (const c of routeApp.cases) await send(app, c);
  await receiver.waitFor(() => routeApp.cases.every((c) => serverSpanOf(receiver.spans(), c)), 15_000, `server spans of ${routeApp.id}`);
  const spans = receiver.spans();
  return new Map(routeApp.cases.map((c) => [c, (serverSpanOf(spans, c)!.attributes[ATTR_HTTP_ROUTE] as string | undefined) ?? null]));
}

/** Requests per route on http.server.request.duration, as the agent exports them. */
function durationCounts(receiver: OtlpReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of latestPoints(receiver, METRIC_HTTP_SERVER_REQUEST_DURATION)) {
    const route = String(p.attributes[ATTR_HTTP_ROUTE]);
    counts.set(route, (counts.get(route) ?? 0) + (p.count ?? 0));
  }
  return counts;
}

function expectedCounts(routeApp: RouteApp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of routeApp.cases) counts.set(c.ours ?? UNMATCHED, (counts.get(c.ours ?? UNMATCHED) ?? 0) + 1);
  return counts;
}

const agentModes = [
  { name: 'agent, layer spans off (default)', layerSpans: false },
  { name: 'agent, layer spans on', layerSpans: true },
];

interface Run { receiver: OtlpReceiver; app: RunningApp; routes: Map<RouteCase, string | null> }

/** Starts the app for the enclosing describe (stopped after it), sends every case and collects the routes. */
function runCases(routeApp: RouteApp, options: { preload: 'require' | 'none'; env: NodeJS.ProcessEnv }): Run {
  const run = {} as Run;
  beforeAll(async () => {
    run.receiver = await startOtlpReceiver();
    run.app = await runApp(routeApp.script, { preload: options.preload, env: { OTEL_EXPORTER_OTLP_ENDPOINT: run.receiver.url, ...options.env } });
    run.routes = await collectRoutes(run.app, run.receiver, routeApp);
  });
  afterAll(async () => {
    await run.app?.stop();
    await run.receiver?.close();
  });
  return run;
}

describe.each(routeApps)('http.route: $title', (routeApp) => {
  describe.each(agentModes)('$name', ({ layerSpans }) => {
    const run = runCases(routeApp, {
      preload: 'require',
      env: {
        OTEL_SERVICE_NAME: `routes-${routeApp.id}`, OTEL_METRIC_EXPORT_INTERVAL: '300',
        OTEL_COMPANION_EXPRESS_LAYER_SPANS: String(layerSpans),
      },
    });

    beforeAll(async () => {
      const total = routeApp.cases.length;
      await run.receiver.waitFor(() => [...durationCounts(run.receiver).values()].reduce((a, b) => a + b, 0) === total, 15_000, `${total} duration points`);
    });

    it.each(routeApp.cases)('server span of $path ($method) → $ours', (c) => {
      expect(run.routes.get(c), label(c)).toBe(c.ours);
    });

    it('counts each request under its route on http.server.request.duration', () => {
      expect(Object.fromEntries(durationCounts(run.receiver))).toEqual(Object.fromEntries(expectedCounts(routeApp)));
    });

    if (layerSpans) {
      it('still makes the layer spans', () => {
        expect(run.receiver.spans().filter((s) => s.scope.includes('instrumentation-express')).length).toBeGreaterThan(routeApp.cases.length);
      });
    } else {
      it('makes no layer span', () => {
        expect(run.receiver.spans().filter((s) => s.scope.includes('express'))).toEqual([]);
      });
    }
  });

  describe("upstream's http + Express instrumentations, default settings", () => {
    const run = runCases(routeApp, {
      preload: 'none',
      env: {
        NODE_OPTIONS: `--require ${path.join(REPO_ROOT, 'test/fixtures/preloads/upstream-express.cjs')}`,
        OTEL_SERVICE_NAME: `upstream-${routeApp.id}`,
      },
    });

    it('is the reference: it makes layer spans', () => {
      expect(run.receiver.spans().some((s) => s.scope === '@opentelemetry/instrumentation-express')).toBe(true);
    });

    it.each(routeApp.cases)('server span of $path ($method) → $upstream', (c) => {
      expect(run.routes.get(c), label(c)).toBe(c.upstream);
    });
  });

  describe('a server span that is not instrumentation-http (RPC metadata from diagnostics_channel)', () => {
    let app: RunningApp;
    const printed = new Map<string, string | null>();

    beforeAll(async () => {
      app = await runApp(routeApp.script, {
        preload: 'none',
        env: { NODE_OPTIONS: `--require ${path.join(REPO_ROOT, 'test/fixtures/preloads/own-server-span.cjs')}` },
      });
      for (const c of routeApp.cases) await send(app, c);
      const deadline = Date.now() + 10_000;
      for (;;) {
        printed.clear();
        for (const m of app.stdout().matchAll(/^ROUTE (\S+) (\S+) (.*)$/gm)) printed.set(`${m[1]} ${m[2]}`, JSON.parse(m[3]) as string | null);
        if (routeApp.cases.every((c) => printed.has(label(c)))) break;
        if (Date.now() > deadline) throw new Error(`no ROUTE line for every request within 10 s:\n${app.stdout()}\n${app.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    afterAll(async () => {
      await app?.stop();
    });

    it.each(routeApp.cases)('route of $path ($method) → $ours', (c) => {
      expect(printed.get(label(c)), label(c)).toBe(c.ours);
    });
  });

  it('docs/express-routes.md shows this table', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/express-routes.md'), 'utf8');
    const table = routeTable(routeApp);
    expect(doc, `docs/express-routes.md should have, under "### ${routeApp.title}":\n\n${table}\n`).toContain(`### ${routeApp.title}\n\n${table}\n`);
  });
});
