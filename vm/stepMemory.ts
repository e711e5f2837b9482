import type { SparseMerkleTree } from "../commitment/SparseMerkleTree.ts";
import { rootFromLeaf, bytesEqual } from "../commitment/verify.ts";
import { OpmlError } from "../common/errors.ts";
import { LEAF_BYTES, MEM_DEPTH } from "./layout.ts";

/** The memory a step sees: little-endian reads and writes of `n` bytes at an address. */
export interface StepMemory {
  read(addr: number, n: number): bigint;
  write(addr: number, n: number, v: bigint): void;
}

/** One leaf a step touched, in order (docs/protocol.md §5.4). */
export interface LeafAccess {
  index: number;
  write: boolean;
  /** The leaf before the access, and its siblings (bottom-up) against the root at that moment. */
  leaf: Uint8Array;
  siblings: Uint8Array[];
}

export class StepProofError extends OpmlError {
  override name = "StepProofError";
}

function leafRange(addr: number, n: number): [number, number] {
  return [Math.floor(addr / LEAF_BYTES), Math.floor((addr + n - 1) / LEAF_BYTES)];
}

function toLe(v: bigint, n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = BigInt.asUintN(8 * n, v);
  for (let i = 0; i < n; i++) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

function fromLe(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** Memory backed by the Merkle tree; records each leaf access with its proof when `log` is given. */
export class TreeMemory implements StepMemory {
  constructor(
    readonly tree: SparseMerkleTree,
    readonly log: LeafAccess[] | null,
  ) {}

  private touch(addr: number, n: number, write: boolean) {
    if (!this.log) return;
    const [first, last] = leafRange(addr, n);
    for (let l = first; l <= last; l++)
      this.log.push({ index: l, write, leaf: this.tree.getLeaf(l), siblings: this.tree.proveLeaf(l) });
  }

  read(addr: number, n: number): bigint {
    this.touch(addr, n, false);
    return fromLe(this.tree.readBytes(addr, n));
  }

  /** Writes leaf by leaf, so each access's proof is taken against the root after the previous write. */
  write(addr: number, n: number, v: bigint): void {
    const data = toLe(v, n);
    const [first, last] = leafRange(addr, n);
    for (let l = first; l <= last; l++) {
      const lo = Math.max(addr, l * LEAF_BYTES);
      const hi = Math.min(addr + n, (l + 1) * LEAF_BYTES);
      this.touch(lo, hi - lo, true);
      this.tree.writeBytes(lo, data.subarray(lo - addr, hi - addr));
    }
  }
}

/**
 * Memory served from a one-step proof, as the on-chain verifier sees it: each leaf access takes
 * the next (leaf, siblings) entry, checks it against the current root, and a write moves the
 * root. Throws StepProofError when an entry is missing or does not match.
 */
export class ProofMemory implements StepMemory {
  private next = 0;
  constructor(
    public root: Uint8Array,
    readonly entries: { leaf: Uint8Array; siblings: Uint8Array[] }[],
  ) {}

  get consumed(): number {
    return this.next;
  }

  private take(index: number): { leaf: Uint8Array; siblings: Uint8Array[] } {
    const e = this.entries[this.next];
    if (!e)
      throw new StepProofError("one-step proof has too few leaf accesses", {
        details: `access ${this.next} (leaf ${index}) is missing`,
      });
    if (e.siblings.length !== MEM_DEPTH)
      throw new StepProofError("leaf proof has the wrong length", {
        details: `access ${this.next}: ${e.siblings.length} siblings`,
      });
    if (!bytesEqual(rootFromLeaf(e.leaf, index, e.siblings), this.root))
      throw new StepProofError("leaf proof does not match the memory root", {
        details: `access ${this.next} (leaf ${index})`,
      });
    this.next++;
    return e;
  }

  read(addr: number, n: number): bigint {
    const [first, last] = leafRange(addr, n);
    const bytes = new Uint8Array((last - first + 1) * LEAF_BYTES);
    for (let l = first; l <= last; l++) bytes.set(this.take(l).leaf, (l - first) * LEAF_BYTES);
    const off = addr - first * LEAF_BYTES;
    return fromLe(bytes.subarray(off, off + n));
  }

  write(addr: number, n: number, v: bigint): void {
    const [first, last] = leafRange(addr, n);
    const data = toLe(v, n);
    for (let l = first; l <= last; l++) {
      const e = this.take(l);
      const leaf = e.leaf.slice();
      const lo = Math.max(addr, l * LEAF_BYTES);
      const hi = Math.min(addr + n, (l + 1) * LEAF_BYTES);
      leaf.set(data.subarray(lo - addr, hi - addr), lo - l * LEAF_BYTES);
      this.root = rootFromLeaf(leaf, l, e.siblings);
    }
  }
}
