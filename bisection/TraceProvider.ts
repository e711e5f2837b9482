import type { Hex } from "viem";
import { PositionOutOfRangeError } from "./errors.ts";

/**
 * One party's local truth over one level of a game: the commitment it holds at every position
 * `0 … length` (level 1: graph states S_0 … S_N, length N; level 2: VM state hashes of the disputed
 * node after 0 … 2^D steps, length 2^D). Asynchronous, so that a provider may re-run a segment
 * from a snapshot to answer.
 */
export interface TraceProvider {
  /** The last position; positions run from 0 to `length` inclusive. */
  readonly length: bigint;
  /** The commitment at `position` (0 <= position <= length), as a 32-byte hex word; rejects outside. */
  commitmentAt(position: bigint): Promise<Hex>;
}

/** Throws {@link PositionOutOfRangeError} unless 0 <= position <= length. */
export function checkPosition(position: bigint, length: bigint): void {
  if (position < 0n || position > length) throw new PositionOutOfRangeError(position, length);
}
