/**
 * The next move of an honest party given its local truth (a {@link TraceProvider}). The honest
 * defender posts only true commitments, so every commitment the game holds for it stays true; the
 * honest challenger keeps the invariant "start agreed, end disputed" by naming the first
 * sub-segment whose end differs from its truth. Either one wins against any opponent (protocol.md §7).
 */
import type { Hex } from "viem";
import { MoveNotDueError, TraceMismatchError, BisectionRangeError } from "./errors.ts";
import type { BisectionView } from "./GameView.ts";
import { intermediatePositions, pointOf, segmentsFor } from "./positions.ts";
import type { TraceProvider } from "./TraceProvider.ts";

function checkLevel(v: BisectionView): void {
  if (v.level !== 1 && v.level !== 2) throw new BisectionRangeError("game level", v.level, "1 or 2");
}

function checkBisectable(move: string, v: BisectionView, provider: TraceProvider): void {
  checkLevel(v);
  if (v.hi - v.lo < 2n) throw new MoveNotDueError(move, `the segment [${v.lo}, ${v.hi}] has length < 2`);
  if (v.hi > provider.length) {
    throw new BisectionRangeError("segment end", v.hi, `<= the trace length ${provider.length}`);
  }
}

async function expectTruth(what: string, provider: TraceProvider, position: bigint, game: Hex): Promise<void> {
  const mine = await provider.commitmentAt(position);
  if (mine.toLowerCase() !== game.toLowerCase()) throw new TraceMismatchError(what, position, game, mine);
}

/**
 * The defender's `bisect`: the `m-1` commitments of its truth at the segment's intermediate
 * positions, in order. Throws {@link TraceMismatchError} if its truth differs from the game's
 * start or end (both are commitments it made or the contract derived, so an honest defender's
 * truth holds them).
 */
export async function defenderMove(view: BisectionView, provider: TraceProvider): Promise<Hex[]> {
  checkBisectable("bisect", view, provider);
  await expectTruth("agreed start", provider, view.lo, view.startHash);
  await expectTruth("defender's end", provider, view.hi, view.endHash);
  const out: Hex[] = [];
  for (const p of intermediatePositions(view, view.k)) out.push(await provider.commitmentAt(p));
  return out;
}

/** The challenger's answer to a bisection. */
export type ChallengerChoice =
  | {
      kind: "dispute";
      /** The sub-segment to name in `choose`. */
      index: bigint;
      /** Its start, where the challenger agrees with the game. */
      agreedPosition: bigint;
      /** Its end, the first position where the challenger's truth differs. */
      disputedPosition: bigint;
      /** True when every posted intermediate agreed: only the end is disputed (index m-1). */
      onlyEnd: boolean;
    }
  /** Every posted commitment and the end agree with the challenger's truth: nothing to dispute. */
  | { kind: "agree" };

/**
 * The challenger's `choose`: the first sub-segment whose end differs from its truth. When every
 * intermediate agrees, that is the last one (the end, disputed since the game opened); when the end
 * agrees too the result is `{ kind: "agree" }` — an honest challenger never gets there. Throws
 * {@link TraceMismatchError} if its truth differs from the agreed start.
 */
export async function challengerMove(
  view: BisectionView,
  posted: readonly Hex[],
  provider: TraceProvider,
): Promise<ChallengerChoice> {
  checkBisectable("choose", view, provider);
  const m = segmentsFor(view.hi - view.lo, view.k);
  if (BigInt(posted.length) !== m - 1n) {
    throw new BisectionRangeError("posted commitment count", posted.length, `${m - 1n} (m = ${m})`);
  }
  await expectTruth("agreed start", provider, view.lo, view.startHash);
  for (let i = 0n; i < m; i++) {
    const end = pointOf(view, view.k, i + 1n);
    const theirs = i === m - 1n ? view.endHash : posted[Number(i)]!;
    const mine = await provider.commitmentAt(end);
    if (mine.toLowerCase() !== theirs.toLowerCase()) {
      return {
        kind: "dispute",
        index: i,
        agreedPosition: pointOf(view, view.k, i),
        disputedPosition: end,
        onlyEnd: i === m - 1n,
      };
    }
  }
  return { kind: "agree" };
}

/** The level-1 → level-2 transition: the one disputed node and its two graph states. */
export interface Phase2Target {
  /** Node i. */
  node: bigint;
  /** The agreed S_i, from which the contract builds node i's initial VM state. */
  agreedState: Hex;
  /** The defender's S_{i+1}, which its halted final VM state must produce (protocol.md §6.2). */
  disputedState: Hex;
}

/** Which node level 1 ended on; due when level 1 is down to one node (`openPhase2`). */
export function phase2Target(view: BisectionView): Phase2Target {
  checkLevel(view);
  if (view.level !== 1 || view.hi - view.lo !== 1n) {
    throw new MoveNotDueError("openPhase2", `level ${view.level}, segment [${view.lo}, ${view.hi}]`);
  }
  return { node: view.lo, agreedState: view.startHash, disputedState: view.endHash };
}

/** The one step executed on chain; due when level 2 is down to one step. */
export interface FinalStep {
  /** The disputed node. */
  node: number;
  /** The pre-state position: the witness to supply is the VM state of `node` after `preStep` steps. */
  preStep: bigint;
  /** Its agreed hash (`stateHash(witness)` must equal it). */
  preState: Hex;
  /** The defender's post-state commitment the executed step is compared with. */
  claimedPost: Hex;
}

/** The final step's pre-state position and the two hashes at stake. */
export function finalStep(view: BisectionView): FinalStep {
  checkLevel(view);
  if (view.level !== 2 || view.hi - view.lo !== 1n) {
    throw new MoveNotDueError("step", `level ${view.level}, segment [${view.lo}, ${view.hi}]`);
  }
  return { node: view.node, preStep: view.lo, preState: view.startHash, claimedPost: view.endHash };
}
