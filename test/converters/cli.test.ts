import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { convertStream } from '../../converters/cli/convert';
import { stringifyDocument } from '../../converters/json-writer';
import { deepDocument } from './arbitraries';
import { toProtobuf } from './protobuf-encode';
import { otlpToScheme } from '../../converters/otlp-to-scheme';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'dist/converters/cli/main.js');
const EXAMPLE = join(ROOT, 'test/fixtures/scheme/scheme_v1.json');
const tmp = mkdtempSync(join(tmpdir(), 'otel-companion-cli-'));

function cli(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sink(): Writable & { text(): string } {
  const parts: string[] = [];
  const w = new Writable({ write(chunk, _enc, cb) { parts.push(String(chunk)); cb(); } }) as Writable & { text(): string };
  w.text = () => parts.join('');
  return w;
}

describe('otel-companion CLI', () => {
  it('converts the spec example scheme → otlp → scheme through pipes', () => {
    const otlp = cli(['convert', '--from', 'scheme', '--to', 'otlp', EXAMPLE]);
    expect(otlp.code).toBe(0);
    const back = cli(['convert', '--from', 'otlp', '--to', 'scheme', '-'], otlp.stdout);
    expect(back.code).toBe(0);
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    expect(JSON.parse(back.stdout)).toEqual({ id: example.uuid, version: 1, events: example.events });
  });

  it('reports invalid NDJSON records with line and JSON path, converts the rest, exits 1', () => {
    const file = join(tmp, 'mixed.ndjson');
    writeFileSync(file, [
      '{"id":"ef95a542-25a3-4f71-a0e9-640c92f43813","version":1,"events":[]}',
      '{bad',
      '',
      '{"id":"ef95a542-25a3-4f71-a0e9-640c92f43813","version":1,"events":[{"type":"log","payload":{"message":"x"},"nested":[{"type":"log","payload":{"message":"y"},"importance":9}]}]}',
      '{"uuid":"ef95a542-25a3-4f71-a0e9-640c92f43814","version":1,"events":[{"type":"query","payload":{"target":"pg","query":"SELECT 1"},"time":1547058563}]}',
      '{"uuid":"ef95a542-25a3-4f71-a0e9-640c92f43815","version":1,"events":[]}',
    ].join('\n'));
    const out = join(tmp, 'out.ndjson');
    const r = cli(['convert', '--from', 'scheme', '--to', 'otlp', file, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:2: /: malformed JSON`);
    expect(r.stderr).toContain(`${file}:4: /events/0/nested/0/importance: must be integer 1..8`);
    expect(r.stderr).toContain(`${file}:5: /events/0/time: 1547058563 looks like seconds since the epoch, but milliseconds are expected (did you mean 1547058563000?)`);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]).resourceSpans[0].scopeSpans[0].spans[0].traceId).toBe('ef95a54225a34f71a0e9640c92f43815');
    expect(cli(['validate', file]).code).toBe(1);
    expect(cli(['validate', EXAMPLE]).code).toBe(0);
  });

  it('reads OTLP/protobuf with --protobuf', () => {
    const fixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/scheme/agent-otlp.json'), 'utf8'));
    const file = join(tmp, 'agent.binpb');
    writeFileSync(file, toProtobuf(fixture));
    const r = cli(['convert', '--from', 'otlp', '--to', 'scheme', '--protobuf', file]);
    expect(r.code).toBe(0);
    const expected = otlpToScheme(fixture).documents.map((d) => JSON.parse(JSON.stringify(d)));
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(expected);
    const bad = cli(['convert', '--from', 'otlp', '--to', 'scheme', '--protobuf', '-'], Buffer.from([0x0a, 0xff]));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^<stdin>:1: \/: malformed protobuf: truncated/);
  });

  it('exits 2 on usage errors', () => {
    for (const args of [[], ['convert', '--from', 'x', '--to', 'otlp'], ['convert', '--from', 'otlp'], ['convert', '--from', 'otlp', '--to', 'scheme', '/nope.json'], ['frobnicate'], ['convert', '--bogus'], ['bridge', '--forward', 'ftp://x'], ['convert', '--from', 'scheme', '--to', 'otlp', '--protobuf']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr + r.stdout).toContain('usage:');
    }
  });

  it('converts a document nested 100,000 deep both ways', () => {
    const file = join(tmp, 'deep.json');
    const doc = deepDocument(100_000);
    writeFileSync(file, stringifyDocument(doc));
    const otlp = cli(['convert', '--from', 'scheme', '--to', 'otlp', file]);
    expect(otlp.code).toBe(0);
    const back = cli(['convert', '--from', 'otlp', '--to', 'scheme'], otlp.stdout);
    expect(back.code).toBe(0);
    expect(back.stdout.trim()).toBe(stringifyDocument(doc));
  });

  it('reports a payload nested 100,000 deep instead of crashing, and converts the next record', () => {
    const deepPayload = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const input = [
      `{"id":"ef95a542-25a3-4f71-a0e9-640c92f43813","version":1,"events":[{"type":"x","payload":${deepPayload}}]}`,
      '{"id":"ef95a542-25a3-4f71-a0e9-640c92f43814","version":1,"events":[]}',
    ].join('\n');
    for (const to of ['otlp', 'scheme']) {
      const r = cli(['convert', '--from', 'scheme', '--to', to], input);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^<stdin>:1: \/events\/0\/payload: value nested deeper than 1000 levels\n$|^<stdin>:1: \/: cannot be converted: /);
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
    }
  });

  it('streams past a 1 GB single line with a clear error, keeps converting, and holds memory flat', async () => {
    const chunk = Buffer.alloc(1 << 20, 0x61);
    let sent = 0;
    const GB = 1 << 30;
    const good = '{"id":"ef95a542-25a3-4f71-a0e9-640c92f43813","version":1,"events":[]}\n';
    const input = new Readable({
      read() {
        if (sent < GB) { sent += chunk.length; this.push(sent === chunk.length ? Buffer.concat([Buffer.from(good + '{"id":"'), chunk]) : chunk); }
        else if (sent === GB) { sent++; this.push(Buffer.from('"}\n' + good)); }
        else this.push(null);
      },
    });
    const errors = sink(), output = sink();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const timer = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 50);
    const summary = await convertStream({ from: 'scheme', to: 'otlp', input, inputName: 'big', output, errors, maxLineBytes: 64 << 20 });
    clearInterval(timer);
    expect(summary).toMatchObject({ records: 3, invalidRecords: 1, written: 2 });
    expect(errors.text()).toMatch(/^big:2: \/: record longer than --max-line-bytes 67108864 \(read \d+ bytes\); skipped\n$/);
    expect(rssPeak - rssBefore).toBeLessThan(400 << 20);
  }, 120_000);

  it('fuzz: arbitrary JSON and bytes as input never throw; every record is either converted or reported', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify({ id: 'ef95a542-25a3-4f71-a0e9-640c92f43813', version: 1, events: [v] }))), { maxLength: 8 }),
      fc.constantFrom('scheme', 'otlp') as fc.Arbitrary<'scheme' | 'otlp'>,
      async (lines, from) => {
        const input = new PassThrough();
        input.end(lines.map((l) => l.replace(/\n/g, ' ')).join('\n'));
        const errors = sink(), output = sink();
        const s = await convertStream({ from, to: from === 'scheme' ? 'otlp' : 'scheme', input, inputName: 'fuzz', output, errors, maxLineBytes: 1 << 20 });
        expect(s.records).toBeLessThanOrEqual(lines.length);
        if (s.invalidRecords > 0) expect(errors.text()).toMatch(/^fuzz:\d+: /);
        for (const line of output.text().split('\n').filter(Boolean)) JSON.parse(line);
      },
    ), { numRuns: 300 });
  });
});
