import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-app';

/** Shared by the agent and collector corpus tests: the corpus, and how each placement is driven. */
export interface Entry {
  id: string;
  kind: string;
  placement: string;
  value: string;
  needles?: string[];
  param?: string;
  header?: string;
  template?: string;
  path?: string[];
  pathTemplate?: string;
}

export const corpus = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/secrets/corpus.json'), 'utf8')) as { entries: Entry[] };
export const SECRETS_APP = 'test/fixtures/apps/secrets-app.js';

/** Opt in to everything that is off by default, so that the corpus reaches every place it could. */
export const CORPUS_APP_ENV = {
  OTEL_SERVICE_NAME: 'secrets-app',
  OTEL_COMPANION_CAPTURE_HEADERS: 'authorization,cookie,set-cookie,x-api-key,proxy-authorization,x-tenant-id',
  OTEL_COMPANION_DB_RECORD_PARAMETERS: 'true',
  OTEL_COMPANION_LOG_CONSOLE: 'false',
};

/** The forms in which a value can reach the wire: as is, or URL-encoded by the instrumentation. */
export function needlesOf(e: Entry): string[] {
  const base = e.needles ?? [e.value];
  const out = new Set<string>();
  for (const n of base) {
    out.add(n);
    out.add(encodeURIComponent(n));
    out.add(new URLSearchParams({ x: n }).toString().slice(2));
  }
  return [...out];
}

export function found(haystack: Buffer, e: Entry): string[] {
  return needlesOf(e).filter((n) => haystack.includes(Buffer.from(n, 'utf8')));
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) cur = (cur[key] ??= {}) as Record<string, unknown>;
  cur[path[path.length - 1]!] = value;
}

/** Command-line arguments of the app: where `argv` entries leak (process.command_args). */
export function corpusArgs(): string[] {
  return corpus.entries.filter((e) => e.placement === 'argv').flatMap((e) => e.template!.split('{secret}').join(e.value).split(' '));
}

/** Makes the app leak one secret where the entry says. */
export async function drive(baseUrl: string, e: Entry): Promise<void> {
  const fill = (t: string) => t.split('{secret}').join(e.value);
  let res: Response;
  switch (e.placement) {
    case 'query':
      res = await fetch(`${baseUrl}/search?page=2&${new URLSearchParams({ [e.param!]: e.value })}`);
      break;
    case 'header':
      res = await fetch(`${baseUrl}/whoami`, { headers: { [e.header!]: fill(e.template!), 'x-tenant-id': 'acme' } });
      break;
    case 'set-cookie':
      res = await fetch(`${baseUrl}/session/${e.id}`);
      break;
    case 'argv':
      return; // passed at start-up (corpusArgs)
    case 'route':
      res = await fetch(`${baseUrl}${fill(e.pathTemplate!)}`);
      break;
    case 'json-body': {
      const body: Record<string, unknown> = { name: 'Corpus User', plan: 'pro' };
      setPath(body, e.path!, e.value);
      res = await fetch(`${baseUrl}/leak/${e.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      break;
    }
    default:
      res = await fetch(`${baseUrl}/leak/${e.id}`, { method: 'POST' });
  }
  await res.arrayBuffer();
  if (res.status >= 500 && e.placement !== 'exception') throw new Error(`${e.id}: app answered ${res.status}`);
}
