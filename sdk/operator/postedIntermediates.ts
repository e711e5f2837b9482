/** `postedIntermediates`: the states the defender posted for a segment, from its Bisected event. */
import type { Address, GetContractEventsErrorType, Hex } from "viem";
import { getContractEvents } from "viem/actions";
import { disputeGameAbi } from "../gameAbi.ts";
import type { AnyClient } from "../types.ts";
import { GameMoveError } from "./errors.ts";

export interface PostedIntermediatesParameters {
  game: Address;
  gameId: bigint;
  /** The segment: its level and bounds. */
  level: number;
  lo: bigint;
  hi: bigint;
}

/** The intermediate states, in order. */
export type PostedIntermediatesReturnType = Hex[];

export type PostedIntermediatesErrorType = GameMoveError | GetContractEventsErrorType;

/** The intermediates of the segment's bisection, from the latest matching Bisected event. */
export async function postedIntermediates(
  client: AnyClient,
  parameters: PostedIntermediatesParameters,
): Promise<PostedIntermediatesReturnType> {
  const { game, gameId, level, lo, hi } = parameters;
  const logs = await getContractEvents(client, {
    address: game,
    abi: disputeGameAbi,
    eventName: "Bisected",
    args: { gameId },
    fromBlock: 0n,
  });
  const hit = logs.filter((l) => l.args.level === level && l.args.lo === lo && l.args.hi === hi).pop();
  if (!hit) throw new GameMoveError(`no Bisected event for game ${gameId} segment [${lo}, ${hi}]`);
  return [...hit.args.intermediates!];
}
