/**
 * keccak256 for the hot path. Every Merkle node is keccak256 of 64 bytes, so
 * hashing speed bounds Merkleization speed; `bench/hash.ts` measures the
 * candidates (the `keccak` package, viem's `keccak256`, hash-wasm) and the
 * fastest, hash-wasm with one reused hasher, is used here (docs/commitments.md).
 */
import { createKeccak } from "hash-wasm";

const hasher = await createKeccak(256);

/** keccak256 of `data`, as 32 fresh bytes. */
export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}

/** A Merkle node: keccak256(left ‖ right) of two 32-byte children. */
export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(left);
  hasher.update(right);
  return hasher.digest("binary");
}

/**
 * Hashes the 64 bytes `src[srcOff .. srcOff+64)` (two adjacent children) and
 * writes the 32-byte node to `dst[dstOff ..)`. The allocation-light form used
 * by the trees, which keep each level in contiguous pages.
 */
export function hashPairInto(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
  hasher.init();
  hasher.update(src.subarray(srcOff, srcOff + 64));
  dst.set(hasher.digest("binary"), dstOff);
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
