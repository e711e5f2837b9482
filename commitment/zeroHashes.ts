import { hashNode } from "./hash.ts";

/** The highest tree the protocol builds; zero hashes are precomputed up to it. */
export const MAX_DEPTH = 64;

const ZERO: Uint8Array[] = [new Uint8Array(32)];
for (let h = 1; h <= MAX_DEPTH; h++) ZERO.push(hashNode(ZERO[h - 1]!, ZERO[h - 1]!));

/** The root of an all-zero subtree of height `h`: Z[0] = 0x00…00, Z[h+1] = H(Z[h] ‖ Z[h]). Do not mutate. */
export function zeroHash(h: number): Uint8Array {
  const z = ZERO[h];
  if (z === undefined) throw new RangeError(`zero hash height ${h} outside [0, ${MAX_DEPTH}]`);
  return z;
}
