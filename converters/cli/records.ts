import type { Readable } from 'node:stream';

/**
 * Splits a byte stream into records: NDJSON (one JSON value per line) or, when the first line is
 * not a whole JSON value (pretty-printed input), one JSON document made of the whole input.
 * Lines are never held beyond `maxLineBytes`: a longer line is reported and skipped while the
 * reader streams past it, so a 1 GB single line neither hangs nor exhausts memory.
 */
export interface RecordChunk {
  /** 1-based line where the record starts. */
  line: number;
  text?: string;
  /** Set when the record was skipped for its size (bytes seen). */
  tooLongBytes?: number;
}

export interface RecordReaderOptions {
  maxLineBytes: number;
  /** Called with the number of bytes read so far (progress). */
  onBytes?: (total: number) => void;
}

export async function* readRecords(input: Readable, opts: RecordReaderOptions): AsyncGenerator<RecordChunk> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let skippedBytes = 0;
  let line = 1;
  let total = 0;
  let mode: 'unknown' | 'ndjson' | 'whole' = 'unknown';
  const whole: Buffer[] = [];
  let wholeBytes = 0;

  const takeLine = (): string => {
    const text = Buffer.concat(pending, pendingBytes).toString('utf8');
    pending = [];
    pendingBytes = 0;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };

  for await (const raw of input) {
    const chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
    total += chunk.length;
    opts.onBytes?.(total);
    if (mode === 'whole') {
      wholeBytes += chunk.length;
      if (wholeBytes > opts.maxLineBytes) { yield { line: 1, tooLongBytes: wholeBytes }; return; }
      whole.push(chunk);
      continue;
    }
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (skipping) {
        skippedBytes += end - start;
      } else {
        pending.push(chunk.subarray(start, end));
        pendingBytes += end - start;
        if (pendingBytes > opts.maxLineBytes) {
          skipping = true;
          skippedBytes = pendingBytes;
          pending = [];
          pendingBytes = 0;
        }
      }
      if (nl === -1) break;
      // A whole line is available.
      if (skipping) {
        yield { line, tooLongBytes: skippedBytes };
        skipping = false;
        skippedBytes = 0;
      } else {
        const text = takeLine();
        if (mode === 'unknown' && text.trim() !== '') {
          if (!looksLikePrettyJsonStart(text)) mode = 'ndjson';
          else {
            // Pretty-printed JSON: the rest of the input belongs to one document.
            mode = 'whole';
            const rest = chunk.subarray(nl + 1);
            whole.push(Buffer.from(text + '\n'), rest);
            wholeBytes = text.length + 1 + rest.length;
            break;
          }
        }
        if (text.trim() !== '') yield { line, text };
      }
      line++;
      start = nl + 1;
    }
  }
  if (mode === 'whole') {
    yield { line: 1, text: Buffer.concat(whole).toString('utf8') };
    return;
  }
  if (skipping) yield { line, tooLongBytes: skippedBytes };
  else if (pendingBytes > 0) {
    const text = takeLine();
    if (text.trim() !== '') yield { line, text };
  }
}

/** `{` or `[` alone, or a line ending in an opener or separator: a multi-line JSON document. */
function looksLikePrettyJsonStart(text: string): boolean {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return false;
  if (t === '{' || t === '[') return true;
  if (!/[{[,:]$/.test(t)) return false;
  try { JSON.parse(t); return false; } catch { return true; }
}
