/**
 * The bound on generated code: every compiled function of every program is held here, and when
 * the total source size or the count passes its bound the least recently used ones are evicted
 * (their owner drops their entries; the function runs in the interpreter until it is hot again).
 * One function's traces are built one by one as they are first entered; a trace that would take
 * its function past the per-function byte cap is refused (its block stays with the interpreter),
 * so no single function can hold more than that cap, whatever the bound on the whole.
 */
export interface CacheEntry {
  /** Generated source length (grows as the entry's traces are built). */
  bytes: number;
  /** Use stamp: the cache's clock when the entry last ran. */
  lastUse: number;
  /** Called once when the entry is evicted. */
  evict(): void;
}

export class CodeCache {
  private readonly entries = new Set<CacheEntry>();
  private bytes = 0;
  clock = 0;

  constructor(
    public maxBytes: number,
    public maxEntries: number,
    /** Most source bytes one entry may grow to (also never more than `maxBytes`). */
    public maxEntryBytes = maxBytes,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Adds `e`, first evicting least recently used entries until it fits. */
  add(e: CacheEntry): void {
    while (this.entries.size > 0 && (this.bytes + e.bytes > this.maxBytes || this.entries.size + 1 > this.maxEntries))
      this.evictOldest();
    e.lastUse = ++this.clock;
    this.entries.add(e);
    this.bytes += e.bytes;
  }

  /**
   * Adds `bytes` to `e`'s size (a trace built later), evicting other entries past the bound.
   * Returns false, changing nothing, when `e` is no longer cached or would pass the per-entry cap:
   * the caller must then drop the trace it built.
   */
  grow(e: CacheEntry, bytes: number): boolean {
    if (!this.entries.has(e) || e.bytes + bytes > Math.min(this.maxEntryBytes, this.maxBytes)) return false;
    e.bytes += bytes;
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.entries.size > 1) this.evictOldest(e);
    return true;
  }

  private evictOldest(keep?: CacheEntry): void {
    let oldest: CacheEntry | null = null;
    for (const e of this.entries) if (e !== keep && (!oldest || e.lastUse < oldest.lastUse)) oldest = e;
    this.remove(oldest!);
  }

  remove(e: CacheEntry): void {
    if (!this.entries.delete(e)) return;
    this.bytes -= e.bytes;
    e.evict();
  }
}

/** The process's cache: 32 MB of generated source, 1024 functions, 4 MB per function. */
export const codeCache = new CodeCache(32 << 20, 1024, 4 << 20);
