import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/logs/logger';
import { SizeRotatingFile } from '../../agent/logs/rotating-file';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-companion-logs-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function readLines(file: string): string[] {
  const buf = fs.readFileSync(file);
  const text = file.endsWith('.gz') ? zlib.gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  return text.split('\n').filter(Boolean);
}

/** Backups oldest first (the name holds the UTC time of rotation; `-N` orders same-millisecond ones). */
function backups(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /^app-\d{4}-.*\.log(\.gz)?$/.test(n)).sort((a, b) => {
    const key = (n: string) => n.replace(/\.log(\.gz)?$/, '').replace(/-(\d+)$/, (_m, d: string) => `~${d.padStart(6, '0')}`);
    return key(a) < key(b) ? -1 : 1;
  });
}

describe('log file rotation', () => {
  it('rotates at the size limit, gzips rotated files and keeps only maxBackups, under a burst of writes', async () => {
    const dir = tempDir();
    const live = path.join(dir, 'app.log');
    const logger = createLogger({ console: false, otlp: false, service: 'rot', file: { path: live, maxSizeBytes: 2048, maxBackups: 3, maxAgeDays: 30, compress: true } });
    // One synchronous burst: the case where rotation done on async file opens loses track.
    for (let i = 0; i < 300; i++) logger.info('line', { seq: i, pad: 'x'.repeat(60) });
    const transport = logger.transports.find((t) => 'file' in t) as unknown as { file: SizeRotatingFile };
    await transport.file.close();

    expect(fs.statSync(live).size).toBeLessThanOrEqual(2048);
    const kept = backups(dir);
    expect(kept).toHaveLength(3);
    for (const name of kept) {
      expect(name.endsWith('.log.gz')).toBe(true);
      expect(fs.statSync(path.join(dir, name)).size).toBeGreaterThan(0);
    }
    // The kept files hold the newest lines, contiguous and ending with the last one written.
    const seqs = [...kept.map((n) => path.join(dir, n)), live].flatMap(readLines).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs[seqs.length - 1]).toBe(299);
    seqs.forEach((s, i) => expect(s).toBe(seqs[0]! + i));
    // Every rotated file respected the limit too.
    for (const name of kept) expect(Buffer.byteLength(readLines(path.join(dir, name)).join('\n') + '\n')).toBeLessThanOrEqual(2048);
  });

  it('loggers sharing one file share its rotation: every line kept once, in order', async () => {
    const dir = tempDir();
    const live = path.join(dir, 'app.log');
    const file = { path: live, maxSizeBytes: 1024, maxBackups: 100, maxAgeDays: 0, compress: false };
    const a = createLogger({ console: false, otlp: false, service: 'a', file });
    const b = createLogger({ console: false, otlp: false, service: 'b', file });
    for (let i = 0; i < 100; i++) (i % 2 ? b : a).info('line', { seq: i, pad: 'x'.repeat(40) });
    const ta = a.transports.find((t) => 'file' in t) as unknown as { file: SizeRotatingFile };
    const tb = b.transports.find((t) => 'file' in t) as unknown as { file: SizeRotatingFile };
    expect(ta.file).toBe(tb.file);
    await ta.file.close();
    const files = [...backups(dir).map((n) => path.join(dir, n)), live];
    expect(files.length).toBeGreaterThan(5);
    const seqs = files.flatMap(readLines).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const f of files) expect(fs.statSync(f).size).toBeLessThanOrEqual(1024);
  });

  it('deletes rotated files older than maxAgeDays, and leaves other files alone', async () => {
    const dir = tempDir();
    const live = path.join(dir, 'app.log');
    const old = path.join(dir, 'app-2020-01-01T00-00-00.000Z.log.gz');
    const recentDate = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/:/g, '-');
    const recent = path.join(dir, `app-${recentDate}.log.gz`);
    const unrelated = path.join(dir, 'other-2020-01-01T00-00-00.000Z.log.gz');
    for (const f of [old, recent, unrelated]) fs.writeFileSync(f, zlib.gzipSync('{}\n'));

    const file = new SizeRotatingFile({ path: live, maxSizeBytes: 100, maxBackups: 0, maxAgeDays: 30, compress: true });
    for (let i = 0; i < 5; i++) file.write(`${JSON.stringify({ i, pad: 'y'.repeat(50) })}\n`);
    await file.close();

    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(recent)).toBe(true);
    expect(fs.existsSync(unrelated)).toBe(true);
    expect(backups(dir).length).toBeGreaterThanOrEqual(4); // 4 rotations + the recent one
  });

  it('appends to an existing file and counts its size', async () => {
    const dir = tempDir();
    const live = path.join(dir, 'app.log');
    fs.writeFileSync(live, `${'z'.repeat(90)}\n`);
    const file = new SizeRotatingFile({ path: live, maxSizeBytes: 100, maxBackups: 5, maxAgeDays: 0, compress: false });
    file.write('{"first":true}\n');
    await file.close();
    const kept = backups(dir);
    expect(kept).toHaveLength(1);
    expect(readLines(path.join(dir, kept[0]!))).toEqual(['z'.repeat(90)]);
    expect(readLines(live)).toEqual(['{"first":true}']);
  });
});
