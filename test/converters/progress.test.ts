import { describe, expect, it } from 'vitest';
import { createProgress, PROGRESS_MIN_BYTES } from '../../converters/cli/progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => { writes.push(s); return true; } } as unknown as NodeJS.WriteStream, writes };
}

describe('CLI progress bar', () => {
  it('draws on a terminal for large inputs, and clears itself', async () => {
    const { stream, writes } = fakeStream(true);
    const p = createProgress(4 * PROGRESS_MIN_BYTES, stream);
    p.update(2 * PROGRESS_MIN_BYTES, 10);
    p.done();
    expect(writes[0]).toMatch(/^\r\[=+ +\] {2}50% 128\.0 MiB\/256\.0 MiB 10 records/);
    expect(writes.at(-1)).toBe('\r\u001b[K');
  });
  it('stays silent when stderr is not a terminal or the input is small', () => {
    for (const [tty, size] of [[false, 4 * PROGRESS_MIN_BYTES], [true, 1024]] as const) {
      const { stream, writes } = fakeStream(tty);
      const p = createProgress(size, stream);
      p.update(size, 1);
      p.done();
      expect(writes).toEqual([]);
    }
  });
});
