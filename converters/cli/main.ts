#!/usr/bin/env node
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { convertStream, fileSize } from './convert';
import { startBridge } from '../bridge/server';

/**
 * otel-companion CLI: convert between OTLP/JSON traces and Web Debug Protocol scheme documents,
 * validate scheme documents, and run the bridge server.
 * Exit codes: 0 all converted, 1 some records invalid (reported with line and JSON path; the rest
 * converted), 2 usage error.
 */

const USAGE = `usage:
  otel-companion convert --from otlp|scheme --to scheme|otlp [file|-] [-o out] [--max-line-bytes N] [--protobuf]
                         [--service-name NAME] [--resource key=value]...
  otel-companion validate [file|-] [--max-line-bytes N]
  otel-companion bridge [--port 4319] [--host 127.0.0.1] [--forward http://127.0.0.1:4318/v1/traces]
                        [--max-body-bytes N] [--max-documents N] [--ttl-seconds 600]
                        [--service-name NAME] [--resource key=value]...

Input is JSON or NDJSON (one record per line), from a file or stdin (- or nothing);
with --protobuf (and --from otlp), one binary OTLP/protobuf ExportTraceServiceRequest.
Output is NDJSON: one document (scheme) or one ExportTraceServiceRequest (otlp) per line.
OTLP output (convert --to otlp, and what the bridge forwards) gets the resource attributes of
--resource (repeatable) and service.name from --service-name, else OTEL_SERVICE_NAME, else the
document's service.name: tag.
Exit codes: 0 ok, 1 some records invalid (reported on stderr; the rest converted), 2 usage error.
`;

const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

class UsageError extends Error {}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

const RESOURCE_OPTIONS = { 'service-name': { type: 'string' }, resource: { type: 'string', multiple: true } } as const;

/**
 * Resource attributes for OTLP output: --resource key=value (repeatable), then service.name from
 * --service-name, else OTEL_SERVICE_NAME. Undefined when none is given (the documents' tags decide).
 */
function resourceOf(values: { 'service-name'?: string; resource?: string[] }, env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const resource: Record<string, string> = {};
  for (const pair of values.resource ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new UsageError(`--resource must be key=value, got "${pair}"`);
    if (eq === 0) throw new UsageError(`--resource needs a key before "=", got "${pair}"`);
    if (eq === pair.length - 1) throw new UsageError(`--resource needs a value after "=", got "${pair}"`);
    resource[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const flag = values['service-name'];
  if (flag !== undefined && flag.trim() === '') throw new UsageError(`--service-name must not be empty, got "${flag}"`);
  const serviceName = flag ?? resource['service.name'] ?? (env.OTEL_SERVICE_NAME?.trim() || undefined);
  if (serviceName !== undefined) resource['service.name'] = serviceName;
  return Object.keys(resource).length > 0 ? resource : undefined;
}

function openInput(file: string | undefined): { stream: NodeJS.ReadableStream & fs.ReadStream | NodeJS.ReadStream; name: string; bytes?: number } {
  if (file === undefined || file === '-') return { stream: process.stdin, name: '<stdin>' };
  if (!fs.existsSync(file)) throw new UsageError(`input file not found: ${file}`);
  return { stream: fs.createReadStream(file, { highWaterMark: 1 << 20 }), name: file, bytes: fileSize(file) };
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'convert' || command === 'validate') {
    const { values, positionals } = parseArgs({
      args: rest, allowPositionals: true, strict: true,
      options: {
        from: { type: 'string' }, to: { type: 'string' }, output: { type: 'string', short: 'o' }, 'max-line-bytes': { type: 'string' }, protobuf: { type: 'boolean' },
        ...RESOURCE_OPTIONS,
      },
    });
    if (positionals.length > 1) throw new UsageError(`one input file at most, got ${positionals.length}`);
    let from: 'otlp' | 'scheme' = 'scheme';
    let to: 'scheme' | 'otlp' | 'validate' = 'validate';
    if (command === 'convert') {
      if (values.from !== 'otlp' && values.from !== 'scheme') throw new UsageError(`--from must be otlp or scheme, got ${values.from === undefined ? 'nothing' : `"${values.from}"`}`);
      if (values.to !== 'otlp' && values.to !== 'scheme') throw new UsageError(`--to must be scheme or otlp, got ${values.to === undefined ? 'nothing' : `"${values.to}"`}`);
      from = values.from;
      to = values.to;
    } else if (values.from !== undefined || values.to !== undefined || values.output !== undefined) {
      throw new UsageError('validate takes no --from/--to/-o');
    }
    const maxLineBytes = positiveInt('max-line-bytes', values['max-line-bytes'], DEFAULT_MAX_LINE_BYTES);
    if (values.protobuf && from !== 'otlp') throw new UsageError('--protobuf goes with --from otlp');
    if (to !== 'otlp' && (values['service-name'] !== undefined || values.resource !== undefined)) {
      throw new UsageError('--service-name and --resource go with convert --to otlp');
    }
    const resource = to === 'otlp' ? resourceOf(values, process.env) : undefined;
    const input = openInput(positionals[0]);
    const output = values.output !== undefined && values.output !== '-' ? fs.createWriteStream(values.output) : process.stdout;
    const summary = await convertStream({
      from, to, input: input.stream as NodeJS.ReadableStream as never, inputName: input.name, inputBytes: input.bytes,
      output, errors: process.stderr, maxLineBytes, protobuf: values.protobuf === true, resource,
    });
    if (output !== process.stdout) await new Promise<void>((resolve, reject) => (output as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (command === 'validate' && summary.invalidRecords === 0) process.stderr.write(`${input.name}: ${summary.records} record(s) valid\n`);
    return summary.invalidRecords > 0 ? 1 : 0;
  }
  if (command === 'bridge') {
    const { values, positionals } = parseArgs({
      args: rest, allowPositionals: true, strict: true,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, forward: { type: 'string' },
        'max-body-bytes': { type: 'string' }, 'max-documents': { type: 'string' }, 'ttl-seconds': { type: 'string' },
        ...RESOURCE_OPTIONS,
      },
    });
    if (positionals.length > 0) throw new UsageError(`bridge takes no positional arguments, got "${positionals[0]}"`);
    if (values.forward !== undefined) {
      let ok: boolean;
      try { ok = /^https?:$/.test(new URL(values.forward).protocol); } catch { ok = false; }
      if (!ok) throw new UsageError(`--forward must be an http(s) URL, got "${values.forward}"`);
    }
    const port = values.port === undefined ? 4319 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
    const bridge = await startBridge({
      port, host: values.host ?? '127.0.0.1', forwardUrl: values.forward,
      maxBodyBytes: positiveInt('max-body-bytes', values['max-body-bytes'], 16 * 1024 * 1024),
      maxDocuments: positiveInt('max-documents', values['max-documents'], 1000),
      ttlMs: positiveInt('ttl-seconds', values['ttl-seconds'], 600) * 1000,
      resource: resourceOf(values, process.env),
    });
    process.stderr.write(`otel-companion bridge listening on ${bridge.url} (OTLP/HTTP on /v1/traces, scheme on POST /v1/scheme, documents on /_profile/?id=)${values.forward ? `, forwarding to ${values.forward}` : ''}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => { void bridge.close().then(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  }
  throw new UsageError(`unknown command "${command}"`);
}

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`otel-companion: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`otel-companion: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
