import { OpmlError } from "../common/errors.ts";
import { toHex } from "viem";

/** A proof whose sibling count does not match the tree depth (minus the subtree height). */
export class ProofLengthError extends OpmlError {
  override name = "ProofLengthError";
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super("Merkle proof has the wrong length.", { details: `expected ${expected} siblings, got ${actual}` });
  }
}

/** An index that does not fit the tree (or the subtree level) it is used with. */
export class ProofIndexError extends OpmlError {
  override name = "ProofIndexError";
  constructor(
    readonly index: number,
    readonly limit: number,
    what = "leaf",
  ) {
    super(`Merkle ${what} index out of range.`, { details: `index ${index} is not below ${limit}` });
  }
}

/** A proof that does not lead to the expected root. */
export class RootMismatchError extends OpmlError {
  override name = "RootMismatchError";
  constructor(
    readonly expected: Uint8Array,
    readonly computed: Uint8Array,
  ) {
    super("Merkle proof does not match the root.", {
      details: `expected ${toHex(expected)}, computed ${toHex(computed)}`,
    });
  }
}

/** A leaf or node that is not exactly 32 bytes. */
export class WordSizeError extends OpmlError {
  override name = "WordSizeError";
  constructor(readonly actual: number) {
    super("Merkle leaves and nodes are 32-byte words.", { details: `got ${actual} bytes` });
  }
}
