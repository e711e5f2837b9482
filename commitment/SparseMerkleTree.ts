/**
 * A fixed-depth sparse binary Merkle tree over 32-byte leaves (docs/protocol.md §1–3).
 *
 * Each level is stored in pages of up to 1024 nodes, created on first write and
 * pre-filled with that level's zero hash, so an untouched subtree costs nothing
 * and its root is the precomputed zero hash. Writes only mark leaves dirty; the
 * root is recomputed on demand by rehashing the union of the dirty leaves' paths,
 * level by level (each parent once). Indices are JS numbers (depth ≤ 52), so the
 * index arithmetic below never uses 32-bit bitwise operators.
 */
import { hashPairsInto } from "./hash.ts";
import { zeroHash } from "./zeroHashes.ts";
import { ProofIndexError, WordSizeError } from "./errors.ts";

const PAGE_NODES = 1024;
/** Index arithmetic stays exact up to 2^53; a tree needs 2^depth leaf indices. */
export const MAX_TREE_DEPTH = 52;

export class SparseMerkleTree {
  readonly depth: number;
  /** levels[h], h = 0 … depth: page number → page of `min(PAGE_NODES, 2^(depth-h))` nodes, 32 bytes each. */
  private readonly levels: Map<number, Uint8Array>[] = [];
  /** Leaf page number → one flag byte per leaf of the page that changed since the last root. */
  private readonly dirty = new Map<number, Uint8Array>();

  constructor(depth: number) {
    if (!Number.isInteger(depth) || depth < 0 || depth > MAX_TREE_DEPTH) {
      throw new RangeError(`tree depth must be an integer in [0, ${MAX_TREE_DEPTH}], got ${depth}`);
    }
    this.depth = depth;
    for (let h = 0; h <= depth; h++) this.levels.push(new Map());
  }

  /** Number of leaves, 2^depth. */
  get leafCount(): number {
    return 2 ** this.depth;
  }

  /**
   * Bytes held in pages: a written leaf costs at most one page per level (its path), so this grows
   * with the depth and the writes, never with 2^depth.
   */
  get storedBytes(): number {
    let n = 0;
    for (const level of this.levels) for (const page of level.values()) n += page.length;
    return n;
  }

  /** Writes leaf `index` (32 bytes). */
  setLeaf(index: number, leaf: Uint8Array): void {
    if (leaf.length !== 32) throw new WordSizeError(leaf.length);
    this.checkIndex(index, 0);
    const p = Math.floor(index / PAGE_NODES);
    const o = index - p * PAGE_NODES;
    this.page(0, p).set(leaf, o * 32);
    this.markDirty(p, o);
  }

  /** A copy of leaf `index`. */
  getLeaf(index: number): Uint8Array {
    this.checkIndex(index, 0);
    return this.node(0, index).slice();
  }

  /**
   * Treats the leaves as a byte-addressed memory (leaf i holds bytes [32i, 32i+32))
   * and writes `bytes` at `byteOffset`.
   */
  writeBytes(byteOffset: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.checkByteRange(byteOffset, bytes.length);
    let done = 0;
    while (done < bytes.length) {
      const addr = byteOffset + done;
      const leaf = Math.floor(addr / 32);
      const p = Math.floor(leaf / PAGE_NODES);
      const pageStart = p * PAGE_NODES * 32;
      const page = this.page(0, p);
      const n = Math.min(bytes.length - done, page.length - (addr - pageStart));
      page.set(bytes.subarray(done, done + n), addr - pageStart);
      const firstLeaf = leaf - p * PAGE_NODES;
      const lastLeaf = Math.floor((addr + n - 1) / 32) - p * PAGE_NODES;
      let flags = this.dirty.get(p);
      if (flags === undefined) this.dirty.set(p, (flags = new Uint8Array(page.length / 32)));
      flags.fill(1, firstLeaf, lastLeaf + 1);
      done += n;
    }
  }

  /** Reads `length` bytes of the byte-addressed view at `byteOffset` (zeros where never written). */
  readBytes(byteOffset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (length === 0) return out;
    this.checkByteRange(byteOffset, length);
    let done = 0;
    while (done < length) {
      const addr = byteOffset + done;
      const p = Math.floor(addr / 32 / PAGE_NODES);
      const pageStart = p * PAGE_NODES * 32;
      const pageLen = Math.min(PAGE_NODES, this.leafCount) * 32;
      const n = Math.min(length - done, pageLen - (addr - pageStart));
      const page = this.levels[0]!.get(p);
      if (page !== undefined) out.set(page.subarray(addr - pageStart, addr - pageStart + n), done);
      done += n;
    }
    return out;
  }

  /** The root, rehashing only the paths of leaves written since the last call. */
  root(): Uint8Array {
    this.flush();
    return this.node(this.depth, 0).slice();
  }

  /** The root of the subtree of height `height` whose first leaf is `index·2^height`. */
  subtreeRoot(index: number, height: number): Uint8Array {
    this.checkIndex(index, height);
    this.flush();
    return this.node(height, index).slice();
  }

  /** The inclusion proof of leaf `index`: its `depth` siblings, bottom-up. */
  proveLeaf(index: number): Uint8Array[] {
    return this.proveSubtree(index, 0);
  }

  /** The inclusion proof of the subtree of height `height` at `index`: `depth - height` siblings, bottom-up. */
  proveSubtree(index: number, height: number): Uint8Array[] {
    this.checkIndex(index, height);
    this.flush();
    const siblings: Uint8Array[] = [];
    let i = index;
    for (let h = height; h < this.depth; h++) {
      siblings.push(this.node(h, i % 2 === 0 ? i + 1 : i - 1).slice());
      i = Math.floor(i / 2);
    }
    return siblings;
  }

  /** Whether any leaf changed since the root was last computed. */
  get isDirty(): boolean {
    return this.dirty.size > 0;
  }

  private flush(): void {
    if (this.dirty.size === 0) return;
    const pages = [...this.dirty.keys()].sort((a, b) => a - b);
    let current: number[] = [];
    for (const p of pages) {
      const flags = this.dirty.get(p)!;
      const base = p * PAGE_NODES;
      for (let o = 0; o < flags.length; o++) if (flags[o] !== 0) current.push(base + o);
    }
    this.dirty.clear();
    for (let h = 0; h < this.depth; h++) {
      const next: number[] = [];
      const childSpan = Math.min(PAGE_NODES, 2 ** (this.depth - h));
      const parentSpan = Math.min(PAGE_NODES, 2 ** (this.depth - h - 1));
      let k = 0;
      while (k < current.length) {
        // A run of consecutive parents whose children share one page: one batched hash call.
        const first = Math.floor(current[k]! / 2);
        const cp = Math.floor((first * 2) / childSpan);
        let count = 0;
        while (k < current.length) {
          const parent = Math.floor(current[k]! / 2);
          if (parent !== first + count) {
            if (parent === first + count - 1) {
              k++; // the sibling of a node already in the run
              continue;
            }
            break;
          }
          if (Math.floor((parent * 2) / childSpan) !== cp) break;
          next.push(parent);
          count++;
          k++;
        }
        const pp = Math.floor(first / parentSpan);
        const childOff = (first * 2 - cp * childSpan) * 32;
        hashPairsInto(this.page(h, cp), childOff, count, this.page(h + 1, pp), (first - pp * parentSpan) * 32);
      }
      current = next;
    }
  }

  /** Node `i` of level `h`, a view into its page, or the zero hash if its page was never written. */
  private node(h: number, i: number): Uint8Array {
    const span = Math.min(PAGE_NODES, 2 ** (this.depth - h));
    const p = Math.floor(i / span);
    const page = this.levels[h]!.get(p);
    if (page === undefined) return zeroHash(h);
    const off = (i - p * span) * 32;
    return page.subarray(off, off + 32);
  }

  private page(h: number, p: number): Uint8Array {
    const level = this.levels[h]!;
    let page = level.get(p);
    if (page === undefined) {
      const nodes = Math.min(PAGE_NODES, 2 ** (this.depth - h));
      page = new Uint8Array(nodes * 32);
      if (h > 0) {
        const z = zeroHash(h);
        for (let o = 0; o < page.length; o += 32) page.set(z, o);
      }
      level.set(p, page);
    }
    return page;
  }

  private markDirty(p: number, o: number): void {
    let flags = this.dirty.get(p);
    if (flags === undefined) this.dirty.set(p, (flags = new Uint8Array(Math.min(PAGE_NODES, this.leafCount))));
    flags[o] = 1;
  }

  private checkIndex(index: number, height: number): void {
    if (height < 0 || height > this.depth || !Number.isInteger(height)) {
      throw new RangeError(`subtree height ${height} outside [0, ${this.depth}]`);
    }
    const limit = 2 ** (this.depth - height);
    if (!Number.isInteger(index) || index < 0 || index >= limit) {
      throw new ProofIndexError(index, limit, height === 0 ? "leaf" : `height-${height} subtree`);
    }
  }

  private checkByteRange(byteOffset: number, length: number): void {
    const size = this.leafCount * 32;
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset + length > size) {
      throw new ProofIndexError(byteOffset + length - 1, size, "byte");
    }
  }
}
