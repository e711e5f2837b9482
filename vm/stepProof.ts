import { LEAF_BYTES, MEM_DEPTH } from "./layout.ts";
import { ProofMemory, StepProofError, type LeafAccess } from "./stepMemory.ts";
import { stepWith } from "./step.ts";
import { decodeWitness, encodeWitness, hashWitness } from "./witness.ts";

/** Bytes of one leaf access in a one-step proof: the leaf, then its MEM_DEPTH siblings bottom-up. */
export const ACCESS_BYTES = LEAF_BYTES * (1 + MEM_DEPTH);

/** A one-step proof (docs/protocol.md §5.4). */
export interface StepProof {
  /** The step number k: the proof takes the state after k steps to the state after k+1. */
  step: number;
  preWitness: Uint8Array;
  preStateHash: Uint8Array;
  accesses: LeafAccess[];
  /** The accesses encoded in the order the verifier reads them. */
  proof: Uint8Array;
  postStateHash: Uint8Array;
}

export function encodeStepProof(accesses: LeafAccess[]): Uint8Array {
  const out = new Uint8Array(accesses.length * ACCESS_BYTES);
  accesses.forEach((a, i) => {
    const o = i * ACCESS_BYTES;
    out.set(a.leaf, o);
    a.siblings.forEach((s, j) => out.set(s, o + LEAF_BYTES * (1 + j)));
  });
  return out;
}

export function decodeStepProof(proof: Uint8Array): { leaf: Uint8Array; siblings: Uint8Array[] }[] {
  if (proof.length % ACCESS_BYTES !== 0)
    throw new StepProofError("one-step proof length is not a whole number of leaf accesses", {
      details: `${proof.length} bytes, ${ACCESS_BYTES} per access`,
    });
  const entries = [];
  for (let o = 0; o < proof.length; o += ACCESS_BYTES) {
    const siblings = [];
    for (let j = 0; j < MEM_DEPTH; j++) siblings.push(proof.slice(o + LEAF_BYTES * (1 + j), o + LEAF_BYTES * (2 + j)));
    entries.push({ leaf: proof.slice(o, o + LEAF_BYTES), siblings });
  }
  return entries;
}

/**
 * The TypeScript twin of the on-chain step verifier: replays one step from the pre-state witness
 * using only the proof's leaves (each checked against the evolving memory root) and returns the
 * post-state hash. Throws StepProofError on a proof that does not fit, WitnessError on a bad witness.
 */
export function verifyStep(preWitness: Uint8Array, proof: Uint8Array): Uint8Array {
  const { regs, memRoot } = decodeWitness(preWitness);
  const mem = new ProofMemory(memRoot, decodeStepProof(proof));
  stepWith(regs, mem);
  if (mem.consumed !== mem.entries.length)
    throw new StepProofError("one-step proof has unused leaf accesses", {
      details: `${mem.entries.length - mem.consumed} left over`,
    });
  return hashWitness(encodeWitness(regs, mem.root));
}
