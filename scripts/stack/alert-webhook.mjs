// A tiny Alertmanager webhook receiver: the stack's default notification
// target, so alerts go somewhere visible with no mail server or chat account.
//
//   POST /alerts/<receiver>  Alertmanager webhook JSON (version 4); logged, kept
//   GET  /alerts             the latest notifications, newest last (JSON)
//   GET  /healthz            200
//
// Run by docker-compose.yml (service alert-webhook) and by the native stack;
// the end-to-end test starts it in-process to assert what Alertmanager sent.
// No dependencies: it runs from a plain node image with only this file mounted.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_KEEP = 500;

/**
 * @param {{ host?: string, port?: number, keep?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, port: number, notifications: object[], close(): Promise<void> }>}
 */
export function startAlertWebhook(options = {}) {
  const { host = '127.0.0.1', port = 0, keep = DEFAULT_KEEP, log = () => {} } = options;
  /** Each entry: { receiver, receivedAt, body } with body as Alertmanager sent it. */
  const notifications = [];

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { ok: true });
    if (req.method === 'GET' && path === '/alerts') return send(res, 200, notifications);
    if (req.method !== 'POST' || !path.startsWith('/alerts/')) return send(res, 404, { error: `no route for ${req.method} ${path}` });

    const receiver = decodeURIComponent(path.slice('/alerts/'.length));
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        return send(res, 400, { error: `body is not JSON: ${err.message}` });
      }
      notifications.push({ receiver, receivedAt: new Date().toISOString(), body });
      if (notifications.length > keep) notifications.splice(0, notifications.length - keep);
      for (const alert of Array.isArray(body?.alerts) ? body.alerts : []) {
        const labels = alert.labels ?? {};
        log(
          `[alert-webhook] ${receiver}: ${alert.status} ${labels.alertname ?? '?'} severity=${labels.severity ?? '-'} ` +
            `service=${labels.service ?? '-'} ${alert.annotations?.summary ?? ''}`,
        );
      }
      send(res, 200, { ok: true });
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `http://${host}:${actualPort}`,
        port: actualPort,
        notifications,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

function send(res, status, payload) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

/** "host:port" from ALERT_WEBHOOK_LISTEN, with a clear error on a bad value. */
function parseListen(value) {
  const match = /^(.*):(\d{1,5})$/.exec(value);
  if (!match) throw new Error(`ALERT_WEBHOOK_LISTEN must be host:port, got ${JSON.stringify(value)}`);
  return { host: match[1], port: Number(match[2]) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { host, port } = parseListen(process.env.ALERT_WEBHOOK_LISTEN ?? '127.0.0.1:9095');
  const hook = await startAlertWebhook({ host, port, log: (line) => console.log(line) });
  console.log(`[alert-webhook] listening on ${hook.url} (POST /alerts/<receiver>, GET /alerts)`);
  const stop = () => hook.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
