import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { agentLog } from '../runtime/agent-log';

export interface RotationOptions {
  /** The live file; rotated files sit beside it. */
  readonly path: string;
  /** Rotate before a line would make the live file larger than this. */
  readonly maxSizeBytes: number;
  /** Rotated files kept (0: unlimited). */
  readonly maxBackups: number;
  /** Rotated files older than this are deleted (0: unlimited). */
  readonly maxAgeDays: number;
  /** Gzip rotated files. */
  readonly compress: boolean;
}

const DAY_MS = 86_400_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `2026-11-21T17-46-00.123Z`: sortable, no colons (Windows), UTC. */
function stamp(d: Date): string {
  return d.toISOString().replace(/:/g, '-');
}

function parseStamp(s: string): number {
  // 2026-11-21T17-46-00.123Z -> 2026-11-21T17:46:00.123Z
  return Date.parse(s.replace(/T(\d{2})-(\d{2})-(\d{2})/, 'T$1:$2:$3'));
}

/**
 * A log file rotated by size, with lumberjack's semantics (the Go library behind the usual
 * max_size_mb / max_backups / max_age_days / compress): the live file keeps its name, rotated
 * files are renamed `<name>-<UTC time><ext>` and gzipped, and the backups beyond the count or the
 * age are deleted after each rotation and at start.
 *
 * Why not winston-daily-rotate-file: it keeps either N files or N days, not both, and under a burst
 * of writes within one tick it neither gzips nor prunes (it checks that the rotated file exists
 * before the asynchronous open has created it), so the disk limit silently stops holding.
 *
 * Files are opened synchronously so that a rename never races the open; lines go through a
 * WriteStream so the app's event loop never waits on the disk.
 */
export class SizeRotatingFile {
  private stream!: fs.WriteStream;
  private size = 0;
  private readonly dir: string;
  private readonly base: string;
  private readonly ext: string;
  private readonly backupPattern: RegExp;
  private maintenance: Promise<void> = Promise.resolve();
  private lastErrorAt = 0;
  private closed = false;

  constructor(private readonly opts: RotationOptions) {
    this.dir = path.dirname(path.resolve(opts.path));
    this.ext = path.extname(opts.path);
    this.base = path.basename(opts.path, this.ext);
    this.backupPattern = new RegExp(
      `^${escapeRegExp(this.base)}-(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3}Z)(?:-(\\d+))?${escapeRegExp(this.ext)}(\\.gz)?$`,
    );
    fs.mkdirSync(this.dir, { recursive: true });
    this.open();
    this.schedule(() => this.tidy());
  }

  /** Appends one line (the caller adds the newline). Never throws. */
  write(line: string): void {
    if (this.closed) return;
    try {
      const bytes = Buffer.byteLength(line);
      if (this.size > 0 && this.size + bytes > this.opts.maxSizeBytes) this.rotate();
      this.stream.write(line);
      this.size += bytes;
    } catch (err) {
      this.reportError(err);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves when rotations, compressions and deletions started so far are done. */
  settled(): Promise<void> {
    return this.maintenance;
  }

  /** Flushes and closes the live file, then waits for pending maintenance. */
  async close(): Promise<void> {
    if (this.closed) return this.maintenance;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.stream.once('close', () => resolve());
      this.stream.end();
    });
    await this.maintenance;
  }

  private open(): void {
    const fd = fs.openSync(this.opts.path, 'a');
    this.size = fs.fstatSync(fd).size;
    this.stream = fs.createWriteStream(this.opts.path, { fd, autoClose: true });
    this.stream.on('error', (err) => this.reportError(err));
  }

  private rotate(): void {
    const backup = this.freeBackupName(new Date());
    // POSIX rename keeps the open descriptor valid: lines still buffered in the old stream land in
    // the renamed file, and new lines go to a fresh file under the original name.
    try {
      fs.renameSync(this.opts.path, backup);
    } catch (err) {
      // Someone moved or deleted the live file (external logrotate): start a fresh one anyway.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const old = this.stream;
    this.open();
    const closedOld = new Promise<void>((resolve) => {
      old.once('close', () => resolve());
      old.end();
    });
    this.schedule(async () => {
      await closedOld;
      await this.tidy();
    });
  }

  private freeBackupName(now: Date): string {
    const s = stamp(now);
    let candidate = path.join(this.dir, `${this.base}-${s}${this.ext}`);
    // Two rotations in one millisecond (tiny limits, bursts): keep both.
    for (let i = 1; fs.existsSync(candidate) || fs.existsSync(`${candidate}.gz`); i++) {
      candidate = path.join(this.dir, `${this.base}-${s}-${i}${this.ext}`);
    }
    return candidate;
  }

  private schedule(job: () => Promise<void>): void {
    this.maintenance = this.maintenance.then(job).catch((err) => this.reportError(err));
  }

  /** Compresses finished backups, then deletes the ones beyond the count or the age. */
  private async tidy(): Promise<void> {
    let backups = this.listBackups();
    if (this.opts.compress) {
      for (const b of backups) {
        if (b.gz) continue;
        const gzName = `${b.file}.gz`;
        const tmp = `${gzName}.tmp`;
        await pipeline(fs.createReadStream(b.file), zlib.createGzip(), fs.createWriteStream(tmp));
        fs.renameSync(tmp, gzName);
        fs.unlinkSync(b.file);
      }
      backups = this.listBackups();
    }
    const cutoff = this.opts.maxAgeDays > 0 ? Date.now() - this.opts.maxAgeDays * DAY_MS : -Infinity;
    backups.forEach((b, index) => {
      const tooMany = this.opts.maxBackups > 0 && index >= this.opts.maxBackups;
      if (tooMany || b.time < cutoff) fs.rmSync(b.file, { force: true });
    });
  }

  /** Rotated files, newest first (by the time in the name, as lumberjack does: mtime changes on copy). */
  private listBackups(): Array<{ file: string; time: number; seq: number; gz: boolean }> {
    const out: Array<{ file: string; time: number; seq: number; gz: boolean }> = [];
    for (const name of fs.readdirSync(this.dir)) {
      const m = this.backupPattern.exec(name);
      if (!m) continue;
      out.push({ file: path.join(this.dir, name), time: parseStamp(m[1]!), seq: Number(m[2] ?? 0), gz: Boolean(m[3]) });
    }
    return out.sort((a, b) => b.time - a.time || b.seq - a.seq);
  }

  private reportError(err: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorAt < 60_000) return;
    this.lastErrorAt = now;
    agentLog.warn(`log file ${this.opts.path}: ${(err as Error)?.message ?? String(err)}`);
  }
}
