import { SparseMerkleTree } from "../commitment/SparseMerkleTree.ts";
import type { Machine } from "./Machine.ts";
import {
  HEADER_ADDR,
  CALL_BASE,
  CODE_BASE,
  FUNC_BASE,
  GLOBAL_BASE,
  LEAF_BYTES,
  MEM_DEPTH,
  STACK_BASE,
  TABLE_BASE,
} from "./layout.ts";

/** Linear memory dirty-tracking granularity: 2^10 bytes (32 leaves). */
export const CHUNK_SHIFT = 10;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
  throw new Error("the VM's memory image assumes a little-endian host");

const bytesOf = (a: Int32Array, words: number) => new Uint8Array(a.buffer, a.byteOffset, words * 4);

/**
 * Writes `bytes` at `base` into `tree`, touching only the leaves whose content changed.
 * `base` is leaf-aligned; a partial last leaf is compared zero-padded.
 */
export function syncBytes(tree: SparseMerkleTree, base: number, bytes: Uint8Array): void {
  const old = tree.readBytes(base, Math.ceil(bytes.length / LEAF_BYTES) * LEAF_BYTES);
  const leaf = new Uint8Array(LEAF_BYTES);
  for (let o = 0; o < bytes.length; o += LEAF_BYTES) {
    const n = Math.min(LEAF_BYTES, bytes.length - o);
    let same = true;
    for (let i = 0; i < n; i++)
      if (old[o + i] !== bytes[o + i]) {
        same = false;
        break;
      }
    for (let i = n; same && i < LEAF_BYTES; i++) if (old[o + i] !== 0) same = false;
    if (same) continue;
    leaf.fill(0);
    leaf.set(bytes.subarray(o, o + n));
    tree.setLeaf((base + o) / LEAF_BYTES, leaf);
  }
}

/**
 * Brings the machine's Merkle memory up to date with its typed arrays: the static image
 * (code, function records, table) once, then globals, the used call and value stacks, and the
 * linear-memory chunks written since the last sync.
 */
export function syncTree(m: Machine, tree: SparseMerkleTree, first: boolean): void {
  if (first) {
    syncBytes(tree, CODE_BASE, bytesOf(m.code, m.code.length));
    syncBytes(tree, FUNC_BASE, bytesOf(m.funcRecords, m.funcRecords.length));
    syncBytes(tree, TABLE_BASE, bytesOf(m.table, m.table.length));
    const minPages = m.program.module.memory?.min ?? 0;
    syncBytes(
      tree,
      HEADER_ADDR,
      new Uint8Array(new Uint32Array([m.entryBootPc, m.maxPages, m.tableSize, minPages]).buffer),
    );
  }
  if (m.globalsDirty || first) {
    syncBytes(tree, GLOBAL_BASE, bytesOf(m.globals, m.globals.length));
    m.globalsDirty = false;
  }
  syncBytes(tree, CALL_BASE, bytesOf(m.frames, m.framesHigh * 2));
  syncBytes(tree, STACK_BASE, bytesOf(m.stack, m.stackHigh * 2));
  const dirty = m.memDirty;
  const chunk = 1 << CHUNK_SHIFT;
  for (let c = 0; c < dirty.length; c++) {
    if ((dirty[c]! & 1) === 0) continue;
    dirty[c]! &= 2;
    syncBytes(tree, c * chunk, m.mem.subarray(c * chunk, Math.min(m.mem.length, (c + 1) * chunk)));
  }
}

export function newMemoryTree(): SparseMerkleTree {
  return new SparseMerkleTree(MEM_DEPTH);
}
