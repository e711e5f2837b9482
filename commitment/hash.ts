/**
 * keccak256 for the hot path. Every Merkle node is keccak256 of 64 bytes, so
 * hashing speed bounds Merkleization speed; `bench/hash.ts` measures the
 * candidates (docs/commitments.md). Runs of adjacent nodes go through the
 * project's batched keccak (commitment/keccak, one WebAssembly call per run);
 * single hashes of any length through hash-wasm with one reused hasher.
 */
import { createKeccak } from "hash-wasm";
import { KECCAK_WASM_BASE64 } from "./keccak/keccakWasm.ts";

const hasher = await createKeccak(256);

interface BatchExports {
  memory: WebAssembly.Memory;
  hashPairs(n: number): void;
  IN: WebAssembly.Global;
  OUT: WebAssembly.Global;
  CAPACITY: WebAssembly.Global;
}
const batch = (await WebAssembly.instantiate(Buffer.from(KECCAK_WASM_BASE64, "base64"))).instance
  .exports as unknown as BatchExports;
const batchMem = new Uint8Array(batch.memory.buffer);
const BATCH_IN = batch.IN.value as number;
const BATCH_OUT = batch.OUT.value as number;
const BATCH_CAPACITY = batch.CAPACITY.value as number;

/**
 * Hashes `n` adjacent 64-byte pairs: for i < n,
 * `dst[dstOff+32i ..) = keccak256(src[srcOff+64i .. +64))`. One WebAssembly
 * call per 32768 pairs; `dst` may be `src` only if the ranges do not overlap.
 */
export function hashPairsInto(src: Uint8Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let done = 0; done < n;) {
    const k = Math.min(BATCH_CAPACITY, n - done);
    batchMem.set(src.subarray(srcOff + done * 64, srcOff + (done + k) * 64), BATCH_IN);
    batch.hashPairs(k);
    dst.set(batchMem.subarray(BATCH_OUT, BATCH_OUT + k * 32), dstOff + done * 32);
    done += k;
  }
}

/** keccak256 of `data`, as 32 fresh bytes. */
export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}

/** An incremental keccak256, for data that is never in memory at once (a model file). */
export interface Keccak256Stream {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export async function keccak256Stream(): Promise<Keccak256Stream> {
  const h = await createKeccak(256);
  h.init();
  return { update: (data) => void h.update(data), digest: () => h.digest("binary") };
}

/** A Merkle node: keccak256(left ‖ right) of two 32-byte children. */
export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32) throw new RangeError("hashNode takes two 32-byte words");
  batchMem.set(left, BATCH_IN);
  batchMem.set(right, BATCH_IN + 32);
  batch.hashPairs(1);
  return batchMem.slice(BATCH_OUT, BATCH_OUT + 32);
}

/**
 * Hashes the 64 bytes `src[srcOff .. srcOff+64)` (two adjacent children) and
 * writes the 32-byte node to `dst[dstOff ..)`. The allocation-light form used
 * by the trees, which keep each level in contiguous pages.
 */
export function hashPairInto(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
  hashPairsInto(src, srcOff, 1, dst, dstOff);
}

/** A 32-byte domain tag: the ASCII name left-aligned, zero-padded (Solidity `bytes32("name")`). */
export function domainTag(name: string): Uint8Array {
  if (name.length > 32 || !/^[\x20-\x7e]*$/.test(name)) {
    throw new RangeError(`domain tag must be at most 32 printable ASCII characters: ${JSON.stringify(name)}`);
  }
  const tag = new Uint8Array(32);
  for (let i = 0; i < name.length; i++) tag[i] = name.charCodeAt(i);
  return tag;
}

/** keccak256(tag ‖ field₁ ‖ field₂ ‖ …): every non-tree hash of the protocol has a domain. */
export function hashWithDomain(tag: Uint8Array, ...fields: Uint8Array[]): Uint8Array {
  hasher.init();
  hasher.update(tag);
  for (const f of fields) hasher.update(f);
  return hasher.digest("binary");
}

/** A uint256 as a 32-byte big-endian word. */
export function word(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << 256n) throw new RangeError(`not a uint256: ${value}`);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
