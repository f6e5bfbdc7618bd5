import * as fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Issue } from '../model';
import { validateDocument } from '../validate';
import { otlpToScheme } from '../otlp-to-scheme';
import { schemeToOtlp } from '../scheme-to-otlp';
import { stringifyDocument } from '../json-writer';
import { decodeOtlpProtobuf } from '../otlp-protobuf';
import { readRecords } from './records';
import { createProgress } from './progress';

export interface ConvertOptions {
  from: 'otlp' | 'scheme';
  /** 'scheme' for validate. */
  to: 'scheme' | 'otlp' | 'validate';
  input: Readable;
  inputName: string;
  inputBytes?: number;
  output: Writable;
  errors: Writable;
  maxLineBytes: number;
  /** The input is one OTLP/protobuf ExportTraceServiceRequest (--from otlp only). */
  protobuf?: boolean;
  /** Print at most this many issues (the count of the rest is printed). */
  maxReported?: number;
  /** Resource attributes of the OTLP output (--service-name, --resource). */
  resource?: Readonly<Record<string, string>>;
}

export interface ConvertSummary {
  records: number;
  invalidRecords: number;
  written: number;
  issues: number;
}

/** Awaits the writable's drain when its buffer is full, so a fast reader never piles output up. */
function writer(out: Writable): { write(chunk: string): Promise<void> | undefined } {
  return {
    write(chunk: string) {
      if (out.write(chunk)) return undefined;
      return new Promise<void>((resolve) => out.once('drain', resolve));
    },
  };
}

export async function convertStream(opts: ConvertOptions): Promise<ConvertSummary> {
  const summary: ConvertSummary = { records: 0, invalidRecords: 0, written: 0, issues: 0 };
  const maxReported = opts.maxReported ?? 1000;
  const out = writer(opts.output);
  const progress = createProgress(opts.inputBytes);
  let bytes = 0;
  const report = (line: number, issues: Issue[]) => {
    for (const issue of issues) {
      summary.issues++;
      if (summary.issues <= maxReported) opts.errors.write(`${opts.inputName}:${line}: ${issue.path || '/'}: ${issue.message}\n`);
    }
  };
  const emit = async (text: string) => {
    summary.written++;
    await out.write(text + '\n');
  };

  if (opts.protobuf) {
    // One binary message: read whole (bounded), decode, convert as one record.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of opts.input) {
      const chunk: Buffer = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      size += chunk.length;
      if (size > opts.maxLineBytes) break;
      chunks.push(chunk);
    }
    summary.records = 1;
    if (size > opts.maxLineBytes) {
      summary.invalidRecords++;
      report(1, [{ path: '', message: `protobuf input longer than --max-line-bytes ${opts.maxLineBytes}; not converted` }]);
      return summary;
    }
    let request: unknown;
    try {
      request = decodeOtlpProtobuf(Buffer.concat(chunks, size));
    } catch (err) {
      summary.invalidRecords++;
      report(1, [{ path: '', message: `malformed protobuf: ${(err as Error).message}` }]);
      return summary;
    }
    await convertOne(request, '', 1);
    return summary;
  }

  for await (const rec of readRecords(opts.input, { maxLineBytes: opts.maxLineBytes, onBytes: (b) => { bytes = b; } })) {
    summary.records++;
    progress.update(bytes, summary.records);
    if (rec.tooLongBytes !== undefined) {
      summary.invalidRecords++;
      report(rec.line, [{ path: '', message: `record longer than --max-line-bytes ${opts.maxLineBytes} (read ${rec.tooLongBytes} bytes); skipped` }]);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(rec.text!);
    } catch (err) {
      summary.invalidRecords++;
      report(rec.line, [{ path: '', message: `malformed JSON: ${(err as Error).message}` }]);
      continue;
    }
    // A top-level array holds several records.
    const values = Array.isArray(value) && opts.from === 'scheme' ? value : [value];
    for (let i = 0; i < values.length; i++) {
      try {
        await convertOne(values[i], Array.isArray(value) ? `/${i}` : '', rec.line);
      } catch (err) {
        // Whatever a record holds, it is reported and the stream goes on.
        summary.invalidRecords++;
        report(rec.line, [{ path: Array.isArray(value) ? `/${i}` : '', message: `cannot be converted: ${(err as Error)?.message ?? String(err)}` }]);
      }
    }
  }
  progress.done();
  if (summary.issues > maxReported) opts.errors.write(`${opts.inputName}: ${summary.issues - maxReported} more issues not shown\n`);
  return summary;

  async function convertOne(item: unknown, prefix: string, line: number): Promise<void> {
    if (opts.from === 'scheme') {
      const v = validateDocument(item);
      if (!v.document) {
        summary.invalidRecords++;
        report(line, v.issues.map((x) => ({ ...x, path: prefix + x.path })));
        return;
      }
      if (opts.to === 'validate') return;
      if (opts.to === 'scheme') {
        await emit(stringifyDocument(v.document));
        return;
      }
      const r = schemeToOtlp(v.document, { resource: opts.resource });
      if (r.issues.length > 0) {
        summary.invalidRecords++;
        report(line, r.issues.map((x) => ({ ...x, path: prefix + x.path })));
        return;
      }
      await emit(JSON.stringify(r.request));
      return;
    }
    const r = otlpToScheme(item);
    if (r.issues.length > 0) {
      summary.invalidRecords++;
      report(line, r.issues);
    }
    if (opts.to === 'scheme') {
      for (const doc of r.documents) await emit(stringifyDocument(doc));
    } else if (opts.to === 'otlp') {
      // OTLP → OTLP through the scheme (normalises; shows what survives).
      await emit(JSON.stringify(schemeToOtlp(r.documents, { resource: opts.resource }).request));
    }
  }
}

export function fileSize(path: string): number | undefined {
  try {
    const st = fs.statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}
