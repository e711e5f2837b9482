/**
 * `getGame`: a dispute game as a dapp reads it — whose move, which phase, the clocks and the
 * deadline of the move it waits for — from the oracle's DisputeGame.
 */
import type { Address, ContractFunctionReturnType, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { oracleCall, OracleRevertError } from "../errors.ts";
import { disputeGameAbi, GAME_PHASE, GAME_STATUS, type GamePhaseName, type GameStatusName } from "../gameAbi.ts";
import type { AnyClient, OracleTarget } from "../types.ts";

export interface GetGameParameters extends OracleTarget {
  gameId: bigint;
}

/** `getGame`'s struct as the contract returns it. */
type GameViewStruct = ContractFunctionReturnType<typeof disputeGameAbi, "view", "getGame">;

/**
 * The game's struct (defender, challenger, level, node, the disputed segment [lo, hi], each
 * side's clock as of `lastMoveAt`, the hashes) with its status and phase by name, and the
 * deadline of the move it waits for (unix seconds; 0 once resolved).
 */
export type GetGameReturnType = Omit<GameViewStruct, "status" | "phase"> & {
  gameId: bigint;
  /** The DisputeGame contract. */
  game: Address;
  status: GameStatusName;
  phase: GamePhaseName;
  deadline: bigint;
};

export type GetGameErrorType = OracleRevertError | ReadContractErrorType;

/** A game's state; {@link OracleRevertError} (`UnknownGame`) when there is none. */
export async function getGame(client: AnyClient, parameters: GetGameParameters): Promise<GetGameReturnType> {
  const { oracle, gameId } = parameters;
  const game = await oracleCall(() =>
    readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "disputeGame" }),
  );
  const g = await oracleCall(() =>
    readContract(client, { address: game, abi: disputeGameAbi, functionName: "getGame", args: [gameId] }),
  );
  if (g.status === 0) throw new OracleRevertError("UnknownGame", [gameId]);
  const status = GAME_STATUS[g.status] ?? "none";
  const deadline =
    status === "inProgress"
      ? await oracleCall(() =>
          readContract(client, { address: game, abi: disputeGameAbi, functionName: "deadlineOf", args: [gameId] }),
        )
      : 0n;
  return { ...g, gameId, game, status, phase: GAME_PHASE[g.phase] ?? "none", deadline };
}
