/**
 * `stepGame`: one move in a dispute game. It re-reads the game from the chain, decides with
 * `bisection/` (no I/O there) and sends at most one transaction: `bisect` (defender), `choose`
 * (challenger), `openPhase2` (defender, with the VM run's proofs), `step` (anyone, at the last
 * VM step), or `timeout` when the side on move has let its clock run out. Level 2 is played from
 * the caller's `level2` VM run of the disputed node; without one, a level-2 move answers
 * `unsupported`.
 */
import { encodeFunctionData } from "viem";
import type {
  Address,
  GetBlockErrorType,
  Hex,
  SimulateContractErrorType,
  WaitForTransactionReceiptErrorType,
  WriteContractErrorType,
} from "viem";
import { getBlock, readContract, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import {
  challengerMove,
  finalStep,
  defenderMove,
  GameStatus,
  moverOf,
  Phase,
  type BisectionRangeError,
  type BisectionView,
  type MoveNotDueError,
  type PositionOutOfRangeError,
  type TraceMismatchError,
  type TraceProvider,
} from "../../bisection/index.ts";
import { disputeGameAbi } from "../gameAbi.ts";
import type { AnyClient, WalletClientWithAccount } from "../types.ts";
import { GameMoveError } from "./errors.ts";
import { postedIntermediates, type PostedIntermediatesErrorType } from "./postedIntermediates.ts";
import { readGame, type ReadGameErrorType, type ReadGameParameters } from "./readGame.ts";
import type { Journaled } from "../txLog.ts";
import type { Sent } from "../txSender.ts";

/** Fixed gas for game moves: an estimate depends on the block time (bisection/README.md). */
export const MOVE_GAS = 3_000_000n;

export type GameRole = "defender" | "challenger";

export interface StepGameParameters extends ReadGameParameters, Journaled, Sent {
  role: GameRole;
  /** This party's truth at level 1: S_0 … S_N (its own claim's states for a defender). */
  level1: TraceProvider;
  /** The request the game is over, for the journal. */
  requestId?: bigint;
  /** This party's truth at level 2 for a node (its VM run of that node). */
  level2?: (
    node: bigint,
    stepDepth: bigint,
  ) => Promise<{
    provider: TraceProvider;
    stepArgs(preStep: bigint): { witness: Hex; proof: Hex; preStateHash: Hex };
  }>;
  /** Defender only: builds the openPhase2 arguments for a node (level 1 → 2). */
  openPhase2?: (node: bigint) => Promise<{
    model: { programRoot: Hex; graphRoot: Hex; weightsRoot: Hex; nodeCount: number };
    finalVmState: Hex;
    phaseProof: Hex;
    exitProof: Hex;
  }>;
}

export type StepGameReturnType =
  | { kind: "resolved"; status: number }
  | { kind: "wait"; mover: string | null; deadline: bigint }
  | { kind: "sent"; move: "bisect" | "choose" | "timeout" | "openPhase2" | "step"; hash: Hex; detail?: string }
  | { kind: "agree" }
  | { kind: "unsupported"; phase: number; level: number };

export type StepGameErrorType =
  | GameMoveError
  | TraceMismatchError
  | MoveNotDueError
  | BisectionRangeError
  | PositionOutOfRangeError
  | ReadGameErrorType
  | PostedIntermediatesErrorType
  | GetBlockErrorType
  | SimulateContractErrorType
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

const stepDepths = new Map<string, bigint>();
async function stepDepthOf(client: AnyClient, game: Address): Promise<bigint> {
  let d = stepDepths.get(game);
  if (d === undefined) {
    d = await readContract(client, { address: game, abi: disputeGameAbi, functionName: "stepDepth" });
    stepDepths.set(game, d);
  }
  return d;
}

async function sendMove(
  client: WalletClientWithAccount,
  parameters: StepGameParameters,
  functionName: "bisect" | "choose" | "timeout" | "openPhase2" | "step",
  /** The mover's deadline (chain seconds): a pipeline sends earlier deadlines first. */
  deadline: bigint,
  fnArgs: readonly unknown[],
): Promise<Hex> {
  const { game, gameId, journal } = parameters;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs the cast: fnArgs is any move's
  await simulateContract(client, {
    address: game,
    abi: disputeGameAbi,
    functionName,
    args: fnArgs,
    account: client.account,
    chain: client.chain,
  } as Parameters<typeof simulateContract>[1]);
  const action = `move:${functionName}`;
  if (parameters.sender) {
    const receipt = await parameters.sender.send({
      to: game,
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs the cast: fnArgs is any move's
      data: encodeFunctionData({ abi: disputeGameAbi, functionName, args: fnArgs } as Parameters<
        typeof encodeFunctionData
      >[0]),
      gas: MOVE_GAS,
      action,
      gameId,
      requestId: parameters.requestId,
      priority: "move",
      deadline,
    });
    if (receipt.status !== "success")
      throw new GameMoveError(`${functionName} reverted`, { details: receipt.transactionHash });
    return receipt.transactionHash;
  }
  const j = { action, gameId: String(gameId), requestId: parameters.requestId?.toString() };
  journal?.append({ ...j, phase: "sending" });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs the cast: fnArgs is any move's
  const hash = await writeContract(client, {
    address: game,
    abi: disputeGameAbi,
    functionName,
    args: fnArgs,
    gas: MOVE_GAS,
    account: client.account,
    chain: client.chain,
  } as Parameters<typeof writeContract>[1]);
  journal?.append({ ...j, phase: "sent", hash });
  const receipt = await waitForTransactionReceipt(client, { hash });
  journal?.append({ ...j, phase: receipt.status === "success" ? "mined" : "reverted", hash });
  if (receipt.status !== "success") throw new GameMoveError(`${functionName} reverted`, { details: hash });
  return hash;
}

export async function stepGame(
  client: WalletClientWithAccount,
  parameters: StepGameParameters,
): Promise<StepGameReturnType> {
  const { game, gameId, role } = parameters;
  const g = await readGame(client, { game, gameId });
  if (g.status !== GameStatus.InProgress) return { kind: "resolved", status: g.status };
  const mover = moverOf(g.phase);
  const deadline = g.lastMoveAt + (mover === "defender" ? g.defenderClock : g.challengerClock);
  const now = (await getBlock(client)).timestamp;
  const opponent = role === "defender" ? "challenger" : "defender";
  const view: BisectionView = {
    k: g.k,
    level: g.level,
    node: g.node,
    lo: g.lo,
    hi: g.hi,
    startHash: g.startHash,
    endHash: g.endHash,
  };
  if ((mover === opponent || (mover === "anyone" && role === "defender")) && now > deadline) {
    return { kind: "sent", move: "timeout", hash: await sendMove(client, parameters, "timeout", deadline, [gameId]) };
  }
  if (g.phase === Phase.Step && parameters.level2) {
    // Anyone may execute the final step; an honest party holds the agreed pre-state.
    const truth = await parameters.level2(BigInt(g.node), await stepDepthOf(client, game));
    const f = finalStep(view);
    const s = truth.stepArgs(f.preStep);
    if (s.preStateHash.toLowerCase() !== f.preState.toLowerCase()) {
      throw new GameMoveError(`our VM state after ${f.preStep} steps is not the agreed pre-state`, {
        details: `${s.preStateHash} vs ${f.preState}`,
      });
    }
    const hash = await sendMove(client, parameters, "step", deadline, [gameId, s.witness, s.proof]);
    return { kind: "sent", move: "step", hash, detail: `node ${g.node} step ${f.preStep}` };
  }
  if (mover !== role) return { kind: "wait", mover, deadline };
  if (g.phase === Phase.OpenPhase2 && role === "defender" && parameters.openPhase2) {
    // The node's agreed S_i and disputed S_{i+1} are the game's; the opening checks its run gives S_{i+1}.
    const o = await parameters.openPhase2(g.lo);
    const hash = await sendMove(client, parameters, "openPhase2", deadline, [
      gameId,
      o.model,
      o.finalVmState,
      o.phaseProof,
      o.exitProof,
    ]);
    return { kind: "sent", move: "openPhase2", hash, detail: `node ${g.lo}` };
  }
  if ((g.phase !== Phase.Bisect && g.phase !== Phase.Choose) || (g.level === 2 && !parameters.level2)) {
    return { kind: "unsupported", phase: g.phase, level: g.level };
  }
  const provider =
    g.level === 1
      ? parameters.level1
      : (await parameters.level2!(BigInt(g.node), await stepDepthOf(client, game))).provider;
  if (g.phase === Phase.Bisect) {
    const intermediates = await defenderMove(view, provider);
    const hash = await sendMove(client, parameters, "bisect", deadline, [gameId, intermediates]);
    return { kind: "sent", move: "bisect", hash, detail: `[${g.lo}, ${g.hi}] with ${intermediates.length} states` };
  }
  const posted = await postedIntermediates(client, { game, gameId, level: g.level, lo: g.lo, hi: g.hi });
  const choice = await challengerMove(view, posted, provider);
  if (choice.kind === "agree") return { kind: "agree" };
  const hash = await sendMove(client, parameters, "choose", deadline, [gameId, posted, choice.index]);
  return {
    kind: "sent",
    move: "choose",
    hash,
    detail: `segment ${choice.index}: [${choice.agreedPosition}, ${choice.disputedPosition}]`,
  };
}
