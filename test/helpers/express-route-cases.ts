/**
 * The http.route cases: for each app, the requests sent and the route expected from the agent and
 * from upstream's http + Express instrumentations (default settings) on the same request.
 * docs/express-routes.md shows these tables; test/tracing/express-routes.test.ts checks both the
 * routes and that the document shows exactly these tables.
 */
export interface RouteCase {
  method?: string;
  path: string;
  body?: unknown;
  status: number;
  /** http.route recorded by the agent; null: none (the duration metric then says "(unmatched)"). */
  ours: string | null;
  /** http.route recorded by upstream on the same request; null: none. */
  upstream: string | null;
  /** What the case shows, for the document. */
  shows: string;
}

export interface RouteApp {
  id: string;
  /** Heading of its table in docs/express-routes.md. */
  title: string;
  script: string;
  cases: RouteCase[];
}

const fixtureCases = (major: 4 | 5): RouteCase[] => [
  { path: '/plain/7', status: 200, ours: '/plain/:id', upstream: '/plain/:id', shows: '`app.get`' },
  { method: 'PUT', path: '/chain/3', status: 200, ours: '/chain/:id', upstream: '/chain/:id', shows: '`app.route().put`' },
  { path: '/api/v2/orgs/acme/users', status: 200, ours: '/api/v2/orgs/:org/users', upstream: '/api/v2/orgs/:org/users', shows: '`router.get(\'/\')`, three routers deep, parameter on the mount path' },
  { path: '/api/v2/orgs/acme/users/42', status: 200, ours: '/api/v2/orgs/:org/users/:userId', upstream: '/api/v2/orgs/:org/users/:userId', shows: '`router.route().get`, same routers' },
  { method: 'DELETE', path: '/api/v2/orgs/acme/users/42', status: 200, ours: '/api/v2/orgs/:org/users/:userId', upstream: '/api/v2/orgs/:org/users/:userId', shows: '`router.route().delete`' },
  { path: '/shared/thing', status: 200, ours: '/shared/:thing', upstream: '/shared/:thing', shows: 'second of two routers on one path' },
  { path: '/alias-two/5', status: 200, ours: '/alias-two/:id', upstream: '/alias-one/:id,/alias-two/:id', shows: 'path array on a route: the element that matched' },
  { path: '/mount-b/9/leaf', status: 200, ours: '/mount-b/:key/leaf', upstream: '/mount-a,/mount-b/:key/leaf', shows: 'path array on a mount' },
  { path: '/regex/12', status: 200, ours: '/^\\/regex\\/(\\d+)$/', upstream: '/^\\/regex\\/(\\d+)$/', shows: 'regular expression route' },
  { path: '/re-mount/leaf', status: 200, ours: '/^\\/re-mount/leaf', upstream: '/^\\/re-mount/leaf', shows: 'regular expression mount' },
  { path: '/sub/status/204', status: 200, ours: '/sub/status/:code', upstream: '/sub/status/:code', shows: 'Express app mounted at a path' },
  ...(major >= 5
    ? [
      { path: '/files/a/b.txt', status: 200, ours: '/files/*splat', upstream: '/files/*splat', shows: 'named wildcard' },
      { path: '/opt', status: 200, ours: '/opt{/:maybe}', upstream: '/opt{/:maybe}', shows: 'optional segment, absent' },
      { path: '/opt/x', status: 200, ours: '/opt{/:maybe}', upstream: '/opt{/:maybe}', shows: 'optional segment, present' },
      { path: '/catch/x/y', status: 200, ours: '/catch/{*rest}', upstream: '/catch', shows: 'catch-all under a mount' },
    ]
    : [
      { path: '/files/a/b.txt', status: 200, ours: '/files/*', upstream: '/files/*', shows: 'wildcard' },
      { path: '/opt', status: 200, ours: '/opt/:maybe?', upstream: '/opt/:maybe?', shows: 'optional parameter, absent' },
      { path: '/opt/x', status: 200, ours: '/opt/:maybe?', upstream: '/opt/:maybe?', shows: 'optional parameter, present' },
      { path: '/catch/x/y', status: 200, ours: '/catch*', upstream: '/catch*', shows: 'catch-all `*` under a mount' },
    ]),
  { path: '/guarded/3', status: 200, ours: '/guarded/:id', upstream: '/guarded/:id', shows: 'a catch-all route hands on to the route that answers' },
  { path: '/passes/1', status: 200, ours: '/passes/:id', upstream: '/passes', shows: 'a route hands on, middleware answers' },
  { path: '/static/app.js', status: 200, ours: null, upstream: '/static', shows: 'middleware on a path answers, no route' },
  { path: '/err/boom/1', status: 500, ours: '/err/boom/:n', upstream: '/err/boom/:n', shows: 'a route in a mounted router throws' },
  { path: '/nowhere', status: 404, ours: null, upstream: null, shows: 'no route matches' },
];

export const routeApps: RouteApp[] = [
  { id: 'fixture-express5', title: 'Every way to declare a route, Express 5', script: 'test/fixtures/apps/routes-app.cjs', cases: fixtureCases(5) },
  { id: 'fixture-express4', title: 'Every way to declare a route, Express 4', script: 'test/fixtures/express4/routes-app.cjs', cases: fixtureCases(4) },
  {
    id: 'json-server', title: 'json-server 0.17 (Express 4), router mounted at /api', script: 'test/fixtures/json-server/app.cjs',
    cases: [
      { path: '/api/posts', status: 200, ours: '/api/posts', upstream: '/api', shows: 'list' },
      { path: '/api/posts/1', status: 200, ours: '/api/posts/:id', upstream: '/api', shows: 'item' },
      { method: 'PATCH', path: '/api/posts/2', body: { title: 'edited' }, status: 200, ours: '/api/posts/:id', upstream: '/api', shows: 'item, update' },
      { method: 'POST', path: '/api/posts', body: { title: 'new' }, status: 201, ours: '/api/posts', upstream: '/api', shows: 'list, create' },
      { path: '/api/posts/1/comments', status: 200, ours: '/api/comments', upstream: '/api', shows: 'nested: rewritten to the comments list' },
      { path: '/api/profile', status: 200, ours: '/api/profile', upstream: '/api', shows: 'singular resource' },
      { path: '/api/db', status: 200, ours: '/api/db', upstream: '/api/db', shows: 'whole database' },
      { path: '/api/nothing', status: 404, ours: null, upstream: '/api', shows: 'unknown resource' },
      { path: '/', status: 200, ours: null, upstream: '/', shows: 'home page (static files)' },
    ],
  },
  {
    id: 'bull-board', title: '@bull-board/express 9 (Express 5), board mounted at two paths', script: 'test/fixtures/bull-board/app.cjs',
    cases: [
      { path: '/admin/queues', status: 200, ours: '/admin/queues', upstream: '/admin/queues/,/metrics-history,/job-schedulers,/queue/:queueName,/queue/:queueName/:jobId', shows: 'UI entry (a path array)' },
      { path: '/admin/queues/queue/emails', status: 200, ours: '/admin/queues/queue/:queueName', upstream: '/admin/queues/,/metrics-history,/job-schedulers,/queue/:queueName,/queue/:queueName/:jobId', shows: 'UI entry, a queue' },
      { path: '/admin/queues/queue/emails/42', status: 200, ours: '/admin/queues/queue/:queueName/:jobId', upstream: '/admin/queues/,/metrics-history,/job-schedulers,/queue/:queueName,/queue/:queueName/:jobId', shows: 'UI entry, a job' },
      { path: '/admin/queues/api/queues', status: 200, ours: '/admin/queues/api/queues', upstream: '/admin/queues/api/queues', shows: 'API, queue list' },
      { path: '/admin/queues/api/queues/emails/42', status: 404, ours: '/admin/queues/api/queues/:queueName/:jobId', upstream: '/admin/queues/api/queues/:queueName/:jobId', shows: 'API, a job of an unknown queue' },
      { method: 'PUT', path: '/admin/queues/api/queues/emails/pause', status: 404, ours: '/admin/queues/api/queues/:queueName/pause', upstream: '/admin/queues/api/queues/:queueName/pause', shows: 'API, pause' },
      { path: '/tenants/acme/queues/api/queues', status: 200, ours: '/tenants/:tenant/queues/api/queues', upstream: '/tenants/:tenant/queues/api/queues', shows: 'mounted under a parameter' },
      { path: '/admin/queues/static/favicon-32x32.png', status: 200, ours: null, upstream: '/admin/queues/static', shows: 'static file' },
      { path: '/admin/queues/nope/x', status: 404, ours: null, upstream: '/admin/queues', shows: 'no route matches' },
    ],
  },
];

function cell(route: string | null): string {
  return route === null ? '(none)' : `\`${route}\``;
}

/** The table docs/express-routes.md shows for one app. */
export function routeTable(app: RouteApp): string {
  const rows = app.cases.map((c) => {
    const same = c.ours === c.upstream ? '' : ' ≠';
    return `| \`${c.method ?? 'GET'} ${c.path}\` | ${c.shows} | ${cell(c.ours)} | ${cell(c.upstream)}${same} |`;
  });
  return ['| request | what it shows | agent | upstream |', '|---|---|---|---|', ...rows].join('\n');
}
