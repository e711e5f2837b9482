/** `readGame`: a dispute game as `getGame` returns it, with the game contract's arity `k`. */
import type { Address, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import type { GameView } from "../../bisection/index.ts";
import { disputeGameAbi } from "../gameAbi.ts";
import type { AnyClient } from "../types.ts";

export interface ReadGameParameters {
  /** The DisputeGame address (the oracle's `disputeGame()`). */
  game: Address;
  gameId: bigint;
}

export type ReadGameReturnType = GameView & { k: bigint };

export type ReadGameErrorType = ReadContractErrorType;

export async function readGame(client: AnyClient, parameters: ReadGameParameters): Promise<ReadGameReturnType> {
  const { game, gameId } = parameters;
  const [view, k] = await Promise.all([
    readContract(client, { address: game, abi: disputeGameAbi, functionName: "getGame", args: [gameId] }),
    readContract(client, { address: game, abi: disputeGameAbi, functionName: "k" }),
  ]);
  return { ...view, k };
}
