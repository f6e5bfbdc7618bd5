import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/postgres';
import { requireBinary, run } from './binaries';

const alertmanagerDir = join(__dirname, '../../collector-config/alertmanager');
const configFiles = ['alertmanager.yml', 'alertmanager.email-chat.yml'];
const amtool = requireBinary('amtool', 'apt-get install prometheus-alertmanager (Debian package; amtool ships with it)');
const alertmanager = requireBinary('prometheus-alertmanager', 'apt-get install prometheus-alertmanager', [
  'prometheus-alertmanager',
  'alertmanager',
]);

interface RouteCase {
  name: string;
  labels: Record<string, string>;
  receivers: string[];
}
const routeCases = parse(readFileSync(join(alertmanagerDir, 'tests/routes.yaml'), 'utf8')) as RouteCase[];

interface Route {
  receiver?: string;
  routes?: Route[];
}
function receiversOf(route: Route): string[] {
  return [route.receiver ?? '', ...(route.routes ?? []).flatMap(receiversOf)].filter(Boolean);
}
const loadConfig = (file: string) =>
  parse(readFileSync(join(alertmanagerDir, file), 'utf8')) as { route: Route; inhibit_rules: unknown; receivers: { name: string }[] };

describe('Alertmanager config (static)', () => {
  it('the webhook default and the email-chat variant have the same routing tree and inhibit rules', () => {
    const [base, variant] = configFiles.map(loadConfig);
    expect(variant.route).toEqual(base.route);
    expect(variant.inhibit_rules).toEqual(base.inhibit_rules);
    expect(variant.receivers.map((r) => r.name).sort()).toEqual(base.receivers.map((r) => r.name).sort());
  });

  it('every receiver of the route tree is the answer of at least one routing case', () => {
    const expected = new Set(routeCases.flatMap((c) => c.receivers));
    for (const receiver of receiversOf(loadConfig('alertmanager.yml').route)) {
      expect(expected.has(receiver), `no case in tests/routes.yaml routes to ${receiver}`).toBe(true);
    }
  });

  it('commits no secret: passwords and webhook URLs come from *_file', () => {
    const variant = readFileSync(join(alertmanagerDir, 'alertmanager.email-chat.yml'), 'utf8');
    expect(variant).not.toMatch(/^\s*(smtp_auth_password|auth_password|slack_api_url|api_url):/m);
    expect(variant).toMatch(/smtp_auth_password_file:/);
    expect(variant).toMatch(/slack_api_url_file:/);
  });
});

describe.runIf(amtool.shouldRun)('Alertmanager config, checked by amtool', () => {
  it.each(configFiles)('amtool check-config accepts %s and its templates', (file) => {
    const { status, output } = run(amtool.require(), ['check-config', file], { cwd: alertmanagerDir });
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  const matrix = configFiles.flatMap((file) => routeCases.map((c) => [file, c.name, c] as const));
  it.each(matrix)('%s: %s', (file, _name, routeCase) => {
    const labels = Object.entries(routeCase.labels).map(([k, v]) => `${k}=${v}`);
    const { status, output } = run(
      amtool.require(),
      ['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${routeCase.receivers.join(',')}`, ...labels],
      { cwd: alertmanagerDir },
    );
    expect(status, output).toBe(0);
  });

  it('amtool config routes test can fail (a wrong expectation is reported)', () => {
    const { status } = run(
      amtool.require(),
      ['config', 'routes', 'test', '--config.file=alertmanager.yml', '--verify.receivers=team-chat', 'severity=critical'],
      { cwd: alertmanagerDir },
    );
    expect(status).not.toBe(0);
  });

  it('email and chat of an operational alert show severity, service, summary and the runbook', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'otel-companion-amtool-'));
    try {
      const data = join(scratch, 'data.json');
      const labels = { alertname: 'HighErrorRate', severity: 'critical', service: 'checkout' };
      writeFileSync(
        data,
        JSON.stringify({
          receiver: 'oncall-critical',
          status: 'firing',
          alerts: [
            {
              status: 'firing',
              labels,
              annotations: {
                summary: 'More than 5% of requests to checkout fail with 5xx',
                description: '9.091% of HTTP server requests to checkout answered 5xx',
                runbook_url: 'https://github.com/otel-companion/otel-companion/blob/main/docs/runbooks.md#higherrorrate',
              },
              startsAt: '2026-04-04T10:23:45Z',
              endsAt: '0001-01-01T00:00:00Z',
              generatorURL: 'http://prometheus:9090/graph',
            },
          ],
          groupLabels: { alertname: 'HighErrorRate', service: 'checkout' },
          commonLabels: labels,
          commonAnnotations: {},
          externalURL: 'http://alertmanager:9093',
        }),
      );
      const render = (text: string) =>
        run(amtool.require(), ['template', 'render', '--template.glob=templates/*.tmpl', `--template.text=${text}`, `--template.data=${data}`], {
          cwd: alertmanagerDir,
        });
      const subject = render('{{ template "otel_companion.email.subject" . }}');
      expect(subject.status, subject.output).toBe(0);
      expect(subject.output.trim()).toBe('[FIRING:1] HighErrorRate critical · checkout');
      const chat = render('{{ template "otel_companion.chat.text" . }}');
      expect(chat.output).toContain('*More than 5% of requests to checkout fail with 5xx*');
      expect(chat.output).toContain('<https://github.com/otel-companion/otel-companion/blob/main/docs/runbooks.md#higherrorrate|Runbook>');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  /** Renders the BusinessEvent templates for one alert with amtool, as Alertmanager would. */
  function renderEvent(labels: Record<string, string>, annotations: Record<string, string>) {
    const scratch = mkdtempSync(join(tmpdir(), 'otel-companion-amtool-'));
    try {
      const data = join(scratch, 'data.json');
      writeFileSync(
        data,
        JSON.stringify({
          receiver: 'event-notification',
          status: 'firing',
          alerts: [
            {
              status: 'firing',
              labels: { alertname: 'BusinessEvent', ...labels },
              annotations,
              startsAt: '2026-04-04T10:23:45Z',
              endsAt: '0001-01-01T00:00:00Z',
              generatorURL: 'http://prometheus:9090/graph',
            },
          ],
          groupLabels: { alertname: 'BusinessEvent' },
          commonLabels: { alertname: 'BusinessEvent', ...labels },
          commonAnnotations: {},
          externalURL: 'http://alertmanager:9093',
        }),
      );
      const render = (name: string, type: 'text' | 'html') => {
        const out = run(
          amtool.require(),
          [
            'template',
            'render',
            '--template.glob=templates/*.tmpl',
            `--template.type=${type}`,
            `--template.text={{ template "${name}" . }}`,
            `--template.data=${data}`,
          ],
          { cwd: alertmanagerDir },
        );
        expect(out.status, out.output).toBe(0);
        return out.output;
      };
      return {
        subject: render('otel_companion.event.subject', 'text'),
        html: render('otel_companion.event.html', 'html'),
        text: render('otel_companion.event.text', 'text'),
      };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  const tracesUrl = 'http://localhost:16686/search?service=demo&lookback=1h&limit=50';

  it('the event email shows event name, date, context, count and the Jaeger link', () => {
    const { subject, html, text } = renderEvent(
      { service: 'demo', event_name: 'import-participants-failed', event_context: 'import-participants' },
      { count: '3', traces_url: tracesUrl },
    );
    expect(subject.trim()).toBe('Event import-participants-failed in demo');
    for (const needle of [
      'import-participants-failed',
      '2026-04-04 10:23:45 UTC',
      'import-participants</td>',
      '3 in the last 5 minutes',
      'href="http://localhost:16686/search?service=demo&amp;lookback=1h&amp;limit=50"',
    ]) {
      expect(html).toContain(needle);
    }
    expect(text).toContain('Context:    import-participants\n');
  });

  it('an event without a context: no Context row or line, and the description does not say "in context"', () => {
    // The description as rules/business-events.yml renders it for a series without event_context
    // (promtool checks that rendering in tests/business-events.test.yml).
    const description = 'demo recorded the business event import-participants-failed (1 in the last 5 minutes).';
    const { html, text } = renderEvent(
      { service: 'demo', event_name: 'import-participants-failed' },
      { count: '1', traces_url: tracesUrl, description },
    );
    expect(html).toContain('<td>import-participants-failed</td>');
    expect(html).not.toContain('Context');
    expect(text).toContain('Event name: import-participants-failed\n');
    expect(text).not.toContain('Context');
    expect(`${html}${text}`).not.toMatch(/in context/);
    expect(html).toContain(`<p>${description}</p>`);
  });
});

// The real Alertmanager with our config: routes deliver to the right webhook,
// and a critical inhibits the warning of the same alertname + service only.
describe.runIf(alertmanager.shouldRun)('Alertmanager routes and inhibits (real prometheus-alertmanager)', () => {
  const SENTINEL = { alertname: 'SentinelAfterTheOthers', severity: 'warning', service: 'sentinel' };
  const received: { receiver: string; body: { alerts: { labels: Record<string, string> }[] } }[] = [];
  let webhook: Server;
  let child: ChildProcess | undefined;
  let scratch = '';
  let apiUrl = '';
  let log = '';

  beforeAll(async () => {
    const binary = alertmanager.require();
    webhook = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ receiver: (req.url ?? '').replace('/alerts/', ''), body: JSON.parse(body) });
        res.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const webhookPort = (webhook.address() as AddressInfo).port;

    scratch = mkdtempSync(join(tmpdir(), 'otel-companion-alertmanager-'));
    cpSync(alertmanagerDir, join(scratch, 'config'), { recursive: true });
    const configPath = join(scratch, 'config/alertmanager.yml');
    // Same routing tree; only the webhook host and the waits are shortened for the test.
    const config = readFileSync(configPath, 'utf8')
      .replaceAll('http://alert-webhook:9095', `http://127.0.0.1:${webhookPort}`)
      .replace(/group_wait: \d+s/g, 'group_wait: 1s');
    writeFileSync(configPath, config);

    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    child = spawn(
      binary,
      [
        `--config.file=${configPath}`,
        `--storage.path=${join(scratch, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => (log += d));
    child.stderr?.on('data', (d) => (log += d));
    await eventually(() => `Alertmanager ready\n${log}`, async () => (await fetch(`${apiUrl}/-/ready`)).ok, 30_000, 250);

    const alert = (labels: Record<string, string>) => ({
      labels,
      annotations: { summary: 's', description: 'd', runbook_url: 'r' },
      startsAt: new Date().toISOString(),
      generatorURL: 'http://prometheus:9090/graph',
    });
    const post = (alerts: object[]) =>
      fetch(`${apiUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    const response = await post([
      alert({ alertname: 'HighErrorRate', severity: 'critical', service: 'checkout' }),
      alert({ alertname: 'HighErrorRate', severity: 'warning', service: 'checkout' }),
      alert({ alertname: 'HighErrorRate', severity: 'warning', service: 'search' }),
      alert({ alertname: 'HighLatencyP95', severity: 'warning', service: 'checkout' }),
      alert({
        alertname: 'BusinessEvent',
        severity: 'info',
        service: 'demo',
        event_name: 'import-participants-failed',
        event_context: 'import-participants',
      }),
    ]);
    expect(response.status).toBe(200);
    // four notifications: critical, two warnings, one event; the inhibited warning never comes
    await eventually(() => `4 webhook notifications\n${log}`, () => received.length >= 4, 30_000, 250);
    // A group created now is flushed after every group above (each waits group_wait from its
    // creation): once its notification is in, the inhibited warning has had its chance to leak.
    expect((await post([alert(SENTINEL)])).status).toBe(200);
    await eventually(() => `the sentinel's notification\n${log}`, () => received.some((r) => r.body.alerts.some((a) => a.labels.alertname === SENTINEL.alertname)), 30_000, 250);
  });

  afterAll(async () => {
    child?.kill('SIGTERM');
    await new Promise<void>((resolve) => webhook?.close(() => resolve()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const delivered = (receiver: string) =>
    received.filter((r) => r.receiver === receiver).flatMap((r) => r.body.alerts.map((a) => a.labels)).filter((l) => l.alertname !== SENTINEL.alertname);

  it('critical reaches oncall-critical', () => {
    expect(delivered('oncall-critical')).toEqual([expect.objectContaining({ alertname: 'HighErrorRate', service: 'checkout' })]);
  });

  it('warnings reach team-chat, except the one its critical inhibits', () => {
    const warnings = delivered('team-chat').map((l) => `${l.alertname}/${l.service}`).sort();
    expect(warnings).toEqual(['HighErrorRate/search', 'HighLatencyP95/checkout']);
  });

  it('the inhibited warning is marked inhibited by the critical in the API', async () => {
    const alerts = (await (await fetch(`${apiUrl}/api/v2/alerts?filter=alertname="HighErrorRate"`)).json()) as {
      labels: Record<string, string>;
      status: { inhibitedBy: string[] };
    }[];
    const warningCheckout = alerts.find((a) => a.labels.severity === 'warning' && a.labels.service === 'checkout');
    const warningSearch = alerts.find((a) => a.labels.severity === 'warning' && a.labels.service === 'search');
    expect(warningCheckout?.status.inhibitedBy).toHaveLength(1);
    expect(warningSearch?.status.inhibitedBy).toEqual([]);
  });

  it('BusinessEvent reaches event-notification with its event labels', () => {
    expect(delivered('event-notification')).toEqual([
      expect.objectContaining({ event_name: 'import-participants-failed', event_context: 'import-participants' }),
    ]);
  });

  it('nothing falls through to default', () => {
    expect(delivered('default')).toEqual([]);
  });
});
