/**
 * A bounded in-memory store of profiles by id, oldest evicted first, with a time to live (the Web
 * Debug Protocol recommends 10 minutes). Used by the agent's /_profile endpoint and the bridge.
 * Bounded by entry count and by total size, so memory stays flat whatever the traffic.
 */
export interface ProfileStoreOptions<T> {
  maxEntries: number;
  ttlMs: number;
  /** Upper bound of the sum of `sizeOf` over entries. Default: unbounded. */
  maxTotalSize?: number;
  sizeOf?: (value: T) => number;
  now?: () => number;
}

interface Entry<T> { value: T; size: number; expires: number }

export class ProfileStore<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private totalSize = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ProfileStoreOptions<T>) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stores (or replaces) a value; a replaced value moves to the newest position. */
  set(id: string, value: T): void {
    const old = this.entries.get(id);
    if (old) { this.entries.delete(id); this.totalSize -= old.size; }
    const size = this.opts.sizeOf ? this.opts.sizeOf(value) : 0;
    if (this.opts.maxTotalSize !== undefined && size > this.opts.maxTotalSize) return;
    this.entries.set(id, { value, size, expires: this.now() + this.opts.ttlMs });
    this.totalSize += size;
    this.evict();
  }

  get(id: string): T | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(id);
      this.totalSize -= e.size;
      return undefined;
    }
    return e.value;
  }

  /** Re-measures an entry whose value grew in place. */
  resize(id: string): void {
    const e = this.entries.get(id);
    if (!e || !this.opts.sizeOf) return;
    const size = this.opts.sizeOf(e.value);
    this.totalSize += size - e.size;
    e.size = size;
    this.evict();
  }

  private evict(): void {
    const now = this.now();
    for (const [id, e] of this.entries) {
      const over = this.entries.size > this.opts.maxEntries
        || (this.opts.maxTotalSize !== undefined && this.totalSize > this.opts.maxTotalSize);
      if (!over && e.expires > now) break;
      this.entries.delete(id);
      this.totalSize -= e.size;
    }
  }
}
