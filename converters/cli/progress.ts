/** A one-line progress bar on stderr, only when stderr is a terminal and the input is large. */
export interface Progress {
  update(bytes: number, records: number): void;
  done(): void;
}

const NOOP: Progress = { update() {}, done() {} };
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

function human(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

export function createProgress(totalBytes: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || (totalBytes !== undefined && totalBytes < PROGRESS_MIN_BYTES)) return NOOP;
  let last = 0;
  let shown = false;
  const draw = (bytes: number, records: number) => {
    const width = 30;
    let line: string;
    if (totalBytes) {
      const ratio = Math.min(1, bytes / totalBytes);
      const filled = Math.round(ratio * width);
      line = `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${human(bytes)}/${human(totalBytes)} ${records} records`;
    } else {
      line = `${human(bytes)} read, ${records} records`;
    }
    stream.write(`\r${line}\u001b[K`);
    shown = true;
  };
  return {
    update(bytes, records) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      if (totalBytes === undefined && bytes < PROGRESS_MIN_BYTES) return;
      draw(bytes, records);
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
