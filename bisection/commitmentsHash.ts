import { bytesToHex, hexToBytes, type Hex } from "viem";
import { domainTag, hashWithDomain } from "../commitment/index.ts";
import { BisectionRangeError } from "./errors.ts";

/** Domain of the stored hash of a bisection's commitments (protocol.md §7). */
export const COMMITMENTS_TAG = domainTag("opml.game.commitments.v1");

/**
 * `H("opml.game.commitments.v1" ‖ c_1 ‖ … ‖ c_{m-1})`: what DisputeGame stores after `bisect`
 * and checks the re-supplied commitments of `choose` against.
 */
export function commitmentsHash(intermediates: readonly Hex[]): Hex {
  const words = intermediates.map((c, i) => {
    const b = hexToBytes(c);
    if (b.length !== 32) throw new BisectionRangeError(`commitment ${i} byte length`, b.length, "32");
    return b;
  });
  return bytesToHex(hashWithDomain(COMMITMENTS_TAG, ...words));
}
