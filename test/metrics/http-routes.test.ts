import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { runApp, type RunningApp } from '../helpers/run-app';
import { getPgUrl } from '../helpers/postgres';
import { expressVariants } from '../helpers/express-variants';
import { DEFAULT_HTTP_DURATION_BUCKETS } from '../../agent/metrics/settings';
import { countWhere, explicitBounds, latestPoints } from './otlp-metrics';

// The lead's fixture app (Express routes, nested routers, wildcard, errors, pg, an outbound call),
// run under the preload agent exactly as a user would, with Express layer spans OFF (the default).

const D = METRIC_HTTP_SERVER_REQUEST_DURATION;
const RAW_PATHS = ['/hello/a', '/hello/b', '/api/v1/items/1', '/api/v1/items/2', '/files/a/b.txt', '/no/such/route', '/users/7'];

describe.each(expressVariants)('http.server.request.duration per route: $name', ({ script, preload, filesRoute: files }) => {
  let receiver: OtlpReceiver;
  let app: RunningApp;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await runApp(script, {
      preload,
      env: {
        TEST_PG_URL: getPgUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'metrics-routes',
        OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_TRACES_EXPORTER: 'none',
      },
    });
    const hit = async (path: string, times = 1) => {
      for (let i = 0; i < times; i++) await (await fetch(app.baseUrl + path)).arrayBuffer();
    };
    await hit('/hello/a', 2);
    await hit('/hello/b');
    await hit('/api/v1/items/1');
    await hit('/api/v1/items/2?x=1');
    await hit('/files/a/b.txt');
    await hit('/fail');
    await hit('/no/such/route', 2);
    await hit('/users/7', 2);
    await hit('/outbound'); // also one more /hello/:name, from the app itself
    await receiver.waitFor(() => countWhere(receiver, D, { [ATTR_HTTP_ROUTE]: '/outbound' }) === 1
      && countWhere(receiver, 'db.client.operation.duration', { 'db.operation.name': 'SELECT' }) === 2, 15_000, 'the /outbound and query points');
  });

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('counts requests per route, including nested routers, wildcards and errors', () => {
    const count = (route: string, extra: Record<string, unknown> = {}) => countWhere(receiver, D, { [ATTR_HTTP_ROUTE]: route, ...extra });
    expect(count('/hello/:name', { [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 })).toBe(4);
    expect(count('/api/v1/items/:itemId')).toBe(2);
    expect(count(files)).toBe(1);
    expect(count('/fail', { [ATTR_HTTP_RESPONSE_STATUS_CODE]: 500, 'error.type': '500' })).toBe(1);
    expect(count('/users/:id', { [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 })).toBe(2);
    expect(count('(unmatched)', { [ATTR_HTTP_RESPONSE_STATUS_CODE]: 404 })).toBe(2);
  });

  it('gives every server point http.route and the stable semconv attributes', () => {
    const points = latestPoints(receiver, D);
    expect(points.length).toBeGreaterThanOrEqual(7);
    for (const p of points) {
      expect(typeof p.attributes[ATTR_HTTP_ROUTE], JSON.stringify(p.attributes)).toBe('string');
      expect(p.attributes[ATTR_HTTP_REQUEST_METHOD]).toBe('GET');
      expect(typeof p.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe('number');
      expect(p.unit).toBe('s');
      // Never the raw path: that would be a series per URL.
      expect(RAW_PATHS).not.toContain(String(p.attributes[ATTR_HTTP_ROUTE]).split('?')[0]);
    }
  });

  it('uses the web-latency buckets (seconds) for server and client durations', () => {
    expect(explicitBounds(receiver, D)).toEqual([...DEFAULT_HTTP_DURATION_BUCKETS]);
    expect(explicitBounds(receiver, METRIC_HTTP_CLIENT_REQUEST_DURATION)).toEqual([...DEFAULT_HTTP_DURATION_BUCKETS]);
  });

  it('records the pg queries behind /users/:id with operation and pool name', () => {
    const u = new URL(getPgUrl());
    expect(countWhere(receiver, 'db.client.operation.duration', {
      'db.operation.name': 'SELECT', 'db.client.connection.pool.name': `${u.hostname}:${u.port}/${u.pathname.slice(1)}`,
    })).toBe(2);
  });

  it('records the outbound call as http.client.request.duration', () => {
    const client = latestPoints(receiver, METRIC_HTTP_CLIENT_REQUEST_DURATION);
    expect(client.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(1);
    expect(client[0]!.attributes['server.address']).toBe('127.0.0.1');
    expect(client[0]!.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
  });
});
