/**
 * Deadline safety, as pure functions: before long work for a game (running a node in the VM) a
 * daemon compares the compute it needs (the node's estimated steps over this machine's measured
 * VM speed) with the clock it has left on chain, and orders its games so that cheap moves are not
 * held up behind long runs. No I/O here; the daemons feed it what they read.
 */
import { GameStatus, moverOf, Phase, type GameView } from "../bisection/index.ts";
import type { GameRole } from "../sdk/operator/index.ts";

export interface DeadlinePolicy {
  /** The estimate is multiplied by this before comparing (estimates are bounds, machines are shared). */
  safetyFactor: number;
  /** Seconds kept for sending the move and getting it mined. */
  marginS: number;
}

export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = { safetyFactor: 2, marginS: 30 };

export interface DeadlineAssessment {
  /** Estimated compute time in seconds. */
  computeS: number;
  /** Seconds left on our clock. */
  clockLeftS: number;
  /** computeS × safety factor + margin. */
  needS: number;
  /** The clock does not cover `needS`: warn, and do this work before anything slower. */
  tight: boolean;
  /** Not even the bare estimate fits: the move will likely be late. */
  late: boolean;
}

export function assessDeadline(
  work: { estimatedSteps: number; stepsPerSecond: number; clockLeftS: number },
  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY,
): DeadlineAssessment {
  if (!(work.stepsPerSecond > 0)) throw new RangeError(`stepsPerSecond must be positive, got ${work.stepsPerSecond}`);
  const computeS = work.estimatedSteps / work.stepsPerSecond;
  const needS = computeS * policy.safetyFactor + policy.marginS;
  return {
    computeS,
    clockLeftS: work.clockLeftS,
    needS,
    tight: needS > work.clockLeftS,
    late: computeS > work.clockLeftS,
  };
}

/**
 * Seconds left on `role`'s clock at chain time `now`: it runs only while `role` is on move (the
 * final step is charged to the challenger), otherwise it is the stored remainder.
 */
export function clockLeftS(g: GameView, role: GameRole, now: bigint): number {
  const mover = moverOf(g.phase);
  const clock = role === "defender" ? g.defenderClock : g.challengerClock;
  const running = mover === role || (mover === "anyone" && role === "challenger");
  const left = running ? g.lastMoveAt + clock - now : clock;
  return Number(left > 0n ? left : 0n);
}

/**
 * Chain time by which `role` needs the VM run of its next moves: the deadline of its next move.
 * On move, its own clock's deadline; otherwise the opponent's deadline plus its own stored clock
 * (the latest the opponent can move, and our clock runs from then). The final step, anyone's,
 * is due by the challenger's deadline.
 */
export function traceDeadline(g: GameView, role: GameRole): bigint {
  const mover = moverOf(g.phase);
  const own = role === "defender" ? g.defenderClock : g.challengerClock;
  if (mover === "anyone") return g.lastMoveAt + g.challengerClock;
  if (mover === role) return g.lastMoveAt + own;
  return g.lastMoveAt + (role === "defender" ? g.challengerClock : g.defenderClock) + own;
}

/**
 * The node whose VM run `role` will need for its next moves in this game, if any: at level 2 (and
 * the final step) the disputed node; at the phase-2 opening the node `lo`, for the defender to
 * open it and for the challenger to trace it while the defender is on move, before it is needed.
 */
export function nodeToTrace(g: GameView): number | undefined {
  if (g.status !== GameStatus.InProgress) return undefined;
  if (g.level === 2 || g.phase === Phase.Step) return g.node;
  if (g.phase === Phase.OpenPhase2) return Number(g.lo);
  return undefined;
}

/**
 * The nodes the defender may have to open next: while the challenger chooses within a level-1
 * segment of at most `k` nodes, the disputed node is one of `lo … hi-1`. Tracing them during the
 * challenger's turn is worth it only when one run after the choice would leave our clock tight.
 */
export function candidateNodes(g: GameView, k: bigint): number[] {
  if (g.status !== GameStatus.InProgress || g.level !== 1 || g.phase !== Phase.Choose || g.hi - g.lo > k) return [];
  return Array.from({ length: Number(g.hi - g.lo) }, (_, i) => Number(g.lo) + i);
}

export interface GameUrgency {
  /** Whether we are on move. */
  ourMove: boolean;
  clockLeftS: number;
  /** Compute needed before our next move (0 when the trace is at hand or none is needed). */
  computeS: number;
}

/**
 * The order to handle games in: first our moves that need no compute (least clock first), then
 * our moves that need a VM run (least slack, clock minus compute, first), then games where the
 * opponent is on move (work done there, such as tracing ahead, is off our clock).
 */
export function orderGames<T extends GameUrgency>(games: readonly T[]): T[] {
  const rank = (g: T) => (!g.ourMove ? 2 : g.computeS > 0 ? 1 : 0);
  return [...games].sort((a, b) => rank(a) - rank(b) || a.clockLeftS - a.computeS - (b.clockLeftS - b.computeS) || 0);
}
