/**
 * One move in a dispute game, in the shape of a viem action: `stepGame(client, {...})` re-reads
 * the game from the chain, decides with `bisection/` (no I/O there) and sends at most one
 * transaction: `bisect` (defender), `choose` (challenger), `openPhase2` (defender, with the
 * VM run's proofs), or `timeout` when the side on move has let its clock run out. Level 2 (VM
 * bisection, the step) is not played here yet: it answers `unsupported` and the caller logs it.
 */
import type { Account, Address, Chain, Client, Hex, Transport } from "viem";
import {
  getBlock,
  getContractEvents,
  readContract,
  simulateContract,
  waitForTransactionReceipt,
  writeContract,
} from "viem/actions";
import {
  challengerMove,
  finalStep,
  defenderMove,
  GameStatus,
  moverOf,
  Phase,
  type BisectionView,
  type GameView,
  type TraceProvider,
} from "../../bisection/index.ts";
import { OpmlError } from "../../common/errors.ts";
import { disputeGameAbi } from "../gameAbi.ts";
import type { TxLog } from "./txLog.ts";

type WalletClient = Client<Transport, Chain | undefined, Account>;
type AnyClient = Client<Transport, Chain | undefined, Account | undefined>;

/** Fixed gas for game moves: an estimate depends on the block time (bisection/README.md). */
export const MOVE_GAS = 3_000_000n;

export class GameMoveError extends OpmlError {
  override name = "GameMoveError";
}

export type GameRole = "defender" | "challenger";

export interface StepGameArgs {
  game: Address;
  gameId: bigint;
  role: GameRole;
  /** This party's truth at level 1: S_0 … S_N (its own claim's states for a defender). */
  level1: TraceProvider;
  journal?: TxLog;
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

export type StepOutcome =
  | { kind: "resolved"; status: number }
  | { kind: "wait"; mover: string | null; deadline: bigint }
  | { kind: "sent"; move: "bisect" | "choose" | "timeout" | "openPhase2" | "step"; hash: Hex; detail?: string }
  | { kind: "agree" }
  | { kind: "unsupported"; phase: number; level: number };

export async function readGame(
  client: AnyClient,
  args: { game: Address; gameId: bigint },
): Promise<GameView & { k: bigint }> {
  const [view, k] = await Promise.all([
    readContract(client, { address: args.game, abi: disputeGameAbi, functionName: "getGame", args: [args.gameId] }),
    readContract(client, { address: args.game, abi: disputeGameAbi, functionName: "k" }),
  ]);
  return { ...(view as GameView), k };
}

const stepDepths = new Map<string, bigint>();
async function stepDepthOf(client: AnyClient, game: Address): Promise<bigint> {
  let d = stepDepths.get(game);
  if (d === undefined) {
    d = await readContract(client, { address: game, abi: disputeGameAbi, functionName: "stepDepth" });
    stepDepths.set(game, d);
  }
  return d;
}

/** The intermediates of the current segment's bisection, from the latest matching Bisected event. */
export async function postedIntermediates(
  client: AnyClient,
  args: { game: Address; gameId: bigint; level: number; lo: bigint; hi: bigint },
): Promise<Hex[]> {
  const logs = await getContractEvents(client, {
    address: args.game,
    abi: disputeGameAbi,
    eventName: "Bisected",
    args: { gameId: args.gameId },
    fromBlock: 0n,
  });
  const hit = logs.filter((l) => l.args.level === args.level && l.args.lo === args.lo && l.args.hi === args.hi).pop();
  if (!hit) throw new GameMoveError(`no Bisected event for game ${args.gameId} segment [${args.lo}, ${args.hi}]`);
  return [...hit.args.intermediates!];
}

async function sendMove(
  client: WalletClient,
  args: StepGameArgs,
  functionName: "bisect" | "choose" | "timeout" | "openPhase2" | "step",
  fnArgs: readonly unknown[],
): Promise<Hex> {
  await simulateContract(client, {
    address: args.game,
    abi: disputeGameAbi,
    functionName,
    args: fnArgs,
    account: client.account,
    chain: client.chain,
  } as Parameters<typeof simulateContract>[1]);
  const j = { action: `move:${functionName}`, gameId: String(args.gameId), requestId: args.requestId?.toString() };
  args.journal?.append({ ...j, phase: "sending" });
  const hash = await writeContract(client, {
    address: args.game,
    abi: disputeGameAbi,
    functionName,
    args: fnArgs,
    gas: MOVE_GAS,
    account: client.account,
    chain: client.chain,
  } as Parameters<typeof writeContract>[1]);
  args.journal?.append({ ...j, phase: "sent", hash });
  const receipt = await waitForTransactionReceipt(client, { hash });
  args.journal?.append({ ...j, phase: receipt.status === "success" ? "mined" : "reverted", hash });
  if (receipt.status !== "success") throw new GameMoveError(`${functionName} reverted`, { details: hash });
  return hash;
}

export async function stepGame(client: WalletClient, args: StepGameArgs): Promise<StepOutcome> {
  const g = await readGame(client, args);
  if (g.status !== GameStatus.InProgress) return { kind: "resolved", status: g.status };
  const mover = moverOf(g.phase);
  const deadline = g.lastMoveAt + (mover === "defender" ? g.defenderClock : g.challengerClock);
  const now = (await getBlock(client)).timestamp;
  const opponent = args.role === "defender" ? "challenger" : "defender";
  if ((mover === opponent || (mover === "anyone" && args.role === "defender")) && now > deadline) {
    return { kind: "sent", move: "timeout", hash: await sendMove(client, args, "timeout", [args.gameId]) };
  }
  if (g.phase === Phase.Step && args.level2) {
    // Anyone may execute the final step; an honest party holds the agreed pre-state.
    const truth = await args.level2(BigInt(g.node), await stepDepthOf(client, args.game));
    const f = finalStep({
      k: g.k,
      level: g.level,
      node: g.node,
      lo: g.lo,
      hi: g.hi,
      startHash: g.startHash,
      endHash: g.endHash,
    });
    const s = truth.stepArgs(f.preStep);
    if (s.preStateHash.toLowerCase() !== f.preState.toLowerCase()) {
      throw new GameMoveError(`our VM state after ${f.preStep} steps is not the agreed pre-state`, {
        details: `${s.preStateHash} vs ${f.preState}`,
      });
    }
    const hash = await sendMove(client, args, "step", [args.gameId, s.witness, s.proof]);
    return { kind: "sent", move: "step", hash, detail: `node ${g.node} step ${f.preStep}` };
  }
  if (mover !== args.role) return { kind: "wait", mover, deadline };
  if (g.phase === Phase.OpenPhase2 && args.role === "defender" && args.openPhase2) {
    // The node's agreed S_i and disputed S_{i+1} are the game's; the opening checks its run gives S_{i+1}.
    const o = await args.openPhase2(g.lo);
    const hash = await sendMove(client, args, "openPhase2", [
      args.gameId,
      o.model,
      o.finalVmState,
      o.phaseProof,
      o.exitProof,
    ]);
    return { kind: "sent", move: "openPhase2", hash, detail: `node ${g.lo}` };
  }
  if ((g.phase !== Phase.Bisect && g.phase !== Phase.Choose) || (g.level === 2 && !args.level2)) {
    return { kind: "unsupported", phase: g.phase, level: g.level };
  }
  const provider =
    g.level === 1 ? args.level1 : (await args.level2!(BigInt(g.node), await stepDepthOf(client, args.game))).provider;
  const view: BisectionView = {
    k: g.k,
    level: g.level,
    node: g.node,
    lo: g.lo,
    hi: g.hi,
    startHash: g.startHash,
    endHash: g.endHash,
  };
  if (g.phase === Phase.Bisect) {
    const intermediates = await defenderMove(view, provider);
    const hash = await sendMove(client, args, "bisect", [args.gameId, intermediates]);
    return { kind: "sent", move: "bisect", hash, detail: `[${g.lo}, ${g.hi}] with ${intermediates.length} states` };
  }
  const posted = await postedIntermediates(client, { ...args, level: g.level, lo: g.lo, hi: g.hi });
  const choice = await challengerMove(view, posted, provider);
  if (choice.kind === "agree") return { kind: "agree" };
  const hash = await sendMove(client, args, "choose", [args.gameId, posted, choice.index]);
  return {
    kind: "sent",
    move: "choose",
    hash,
    detail: `segment ${choice.index}: [${choice.agreedPosition}, ${choice.disputedPosition}]`,
  };
}
