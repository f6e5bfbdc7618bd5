/**
 * Span records of one trace by span id (the keys of ids.ts readSpanKey), for assembling the tree:
 * open addressing on integers in one table reused by every trace, so indexing a trace allocates
 * nothing and never touches the id strings (except for ids that are not hex, compared as text).
 * One index at a time: begin() discards the previous one.
 */
export interface KeyedRecord {
  spanId: string;
  idA: number;
  idB: number;
  idC: number;
}

let slots = new Int32Array(1024);
let mask = 15;
let indexed: readonly KeyedRecord[] = [];

function slotOf(a: number, b: number, c: number): number {
  return (Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) ^ c) & mask;
}

/** Starts an index over `records` (filled by add); room for `count` records. */
export function beginIndex(records: readonly KeyedRecord[], count: number): void {
  let size = 16;
  while (size < count * 2) size *= 2;
  if (slots.length < size) slots = new Int32Array(size);
  else slots.fill(0, 0, size);
  mask = size - 1;
  indexed = records;
}

/** The indexed record whose id has these keys (and this text, for non-hex ids), or undefined. */
export function findRecord(a: number, b: number, c: number, spanId: string): KeyedRecord | undefined {
  for (let s = slotOf(a, b, c); ; s = (s + 1) & mask) {
    const at = slots[s];
    if (at === 0) return undefined;
    const rec = indexed[at - 1];
    if (rec.idA === a && rec.idB === b && rec.idC === c && (c >= 0 || rec.spanId === spanId)) return rec;
  }
}

/**
 * Indexes records[position] (the list given to beginIndex); returns the record already indexed
 * under the same id instead, leaving this one out.
 */
export function addRecord(position: number): KeyedRecord | undefined {
  const rec = indexed[position];
  const { idA: a, idB: b, idC: c } = rec;
  let s = slotOf(a, b, c);
  for (; ; s = (s + 1) & mask) {
    const at = slots[s];
    if (at === 0) break;
    const other = indexed[at - 1];
    if (other.idA === a && other.idB === b && other.idC === c && (c >= 0 || other.spanId === rec.spanId)) return other;
  }
  slots[s] = position + 1;
  return undefined;
}
