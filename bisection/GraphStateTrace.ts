import { isHex, type Hex } from "viem";
import { BisectionRangeError } from "./errors.ts";
import { checkPosition, type TraceProvider } from "./TraceProvider.ts";

/**
 * The level-1 provider: graph states `S_0 … S_N` (protocol.md §4.2), position i answering `S_i`.
 * The states come from the native runner; any array of 32-byte words will do.
 */
export class GraphStateTrace implements TraceProvider {
  readonly length: bigint;
  readonly #states: readonly Hex[];

  /** @param states `S_0 … S_N`, N >= 1. */
  constructor(states: readonly Hex[]) {
    if (states.length < 2)
      throw new BisectionRangeError("graph state count", states.length, ">= 2 (S_0 … S_N, N >= 1)");
    states.forEach((s, i) => {
      if (!isHex(s, { strict: true }) || s.length !== 66) {
        throw new BisectionRangeError(`graph state S_${i}`, s.length, "a 32-byte 0x-prefixed hex word");
      }
    });
    this.#states = [...states];
    this.length = BigInt(states.length - 1);
  }

  /** `S_position`. */
  async commitmentAt(position: bigint): Promise<Hex> {
    checkPosition(position, this.length);
    return this.#states[Number(position)]!;
  }
}
