/**
 * A TypeScript referee that plays the rules of contracts/src/game/DisputeGame.sol move for move
 * (without addresses and clocks: a side that cannot or does not move loses by {@link Referee.timeout}).
 * For simulating whole games off chain and for dry runs; the contract stays the truth, and the
 * anvil tests check this referee's state against it after every move.
 */
import type { Hex } from "viem";
import { commitmentsHash } from "./commitmentsHash.ts";
import { OpmlError } from "../common/errors.ts";
import { GameStatus, Phase, type BisectionView } from "./GameView.ts";
import { checkArity, checkStepDepth, level1Range, segmentsFor } from "./positions.ts";
import { VM_HALTED, VM_RUNNING, vmStatusOf } from "./VmTrace.ts";

/** A move the contract would revert; `reason` is the contract's custom error name. */
export class RefereeRevertError extends OpmlError {
  override name = "RefereeRevertError";
  readonly reason: string;
  constructor(reason: string, details: string) {
    super(`the game rejects the move: ${reason}`, { details });
    this.reason = reason;
  }
}

/** The phase boundary (`IPhaseBoundary`): builds node i's initial VM state, checks the exit; throws to reject. */
export interface RefereeBoundary<P, E> {
  initialStateHash(node: bigint, agreedState: Hex, phaseProof: P): Hex;
  checkExit(node: bigint, agreedState: Hex, disputedState: Hex, finalVmState: Hex, exitProof: E): void;
}

/** The one-step verifier (`IStepVerifier`); throws on a bad witness or proof. */
export interface RefereeStepVerifier<W, S> {
  stateHash(witness: W): Hex;
  step(witness: W, proof: S): Hex;
}

export interface RefereeOptions<P, E, W, S> {
  k: bigint;
  stepDepth: bigint;
  nodeCount: bigint;
  /** S_0. */
  startState: Hex;
  /** The claimed S_N. */
  claimedState: Hex;
  boundary: RefereeBoundary<P, E>;
  stepVerifier: RefereeStepVerifier<W, S>;
}

/** The referee's public state: the fields of `GameView` that the rules touch. */
export interface RefereeState {
  status: number;
  phase: number;
  level: number;
  node: number;
  lo: bigint;
  hi: bigint;
  startHash: Hex;
  endHash: Hex;
  /** The hash of the last bisection's commitments (zero before the first); only read in Phase.Choose. */
  commitmentsHash: Hex;
}

const ZERO: Hex = `0x${"00".repeat(32)}`;

function same(a: Hex, b: Hex): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export class Referee<P = unknown, E = unknown, W = unknown, S = unknown> {
  readonly k: bigint;
  readonly stepDepth: bigint;
  readonly #o: RefereeOptions<P, E, W, S>;
  #s: RefereeState;

  constructor(o: RefereeOptions<P, E, W, S>) {
    checkArity(o.k);
    checkStepDepth(o.stepDepth);
    const r = level1Range(o.nodeCount);
    this.k = o.k;
    this.stepDepth = o.stepDepth;
    this.#o = o;
    this.#s = {
      status: GameStatus.InProgress,
      phase: o.nodeCount === 1n ? Phase.OpenPhase2 : Phase.Bisect,
      level: 1,
      node: 0,
      lo: r.lo,
      hi: r.hi,
      startHash: o.startState,
      endHash: o.claimedState,
      commitmentsHash: ZERO,
    };
  }

  /** A copy of the current state. */
  get state(): RefereeState {
    return { ...this.#s };
  }

  /** The current state as the strategies take it. */
  get view(): BisectionView {
    return { ...this.#s, k: this.k };
  }

  #expect(phase: number): void {
    if (this.#s.status !== GameStatus.InProgress) {
      throw new RefereeRevertError("GameNotInProgress", `status ${this.#s.status}`);
    }
    if (this.#s.phase !== phase) throw new RefereeRevertError("WrongPhase", `expected ${phase}, is ${this.#s.phase}`);
  }

  /** Defender: posts the m-1 intermediates of [lo, hi]. */
  bisect(intermediates: readonly Hex[]): void {
    this.#expect(Phase.Bisect);
    const m = segmentsFor(this.#s.hi - this.#s.lo, this.k);
    if (BigInt(intermediates.length) !== m - 1n) {
      throw new RefereeRevertError("WrongCommitmentCount", `expected ${m - 1n}, got ${intermediates.length}`);
    }
    this.#s.commitmentsHash = commitmentsHash(intermediates);
    this.#s.phase = Phase.Choose;
  }

  /** Challenger: re-supplies the intermediates and names the disputed sub-segment. */
  choose(intermediates: readonly Hex[], index: bigint): void {
    this.#expect(Phase.Choose);
    const supplied = commitmentsHash(intermediates);
    if (!same(supplied, this.#s.commitmentsHash)) {
      throw new RefereeRevertError("StaleCommitments", `stored ${this.#s.commitmentsHash}, supplied ${supplied}`);
    }
    const s = this.#s;
    const len = s.hi - s.lo;
    const m = segmentsFor(len, this.k);
    if (index < 0n || index >= m) throw new RefereeRevertError("SegmentIndexOutOfRange", `index ${index}, m ${m}`);
    const newLo = s.lo + (len * index) / m;
    const newHi = s.lo + (len * (index + 1n)) / m;
    const agreed = index === 0n ? s.startHash : intermediates[Number(index) - 1]!;
    const disputed = index === m - 1n ? s.endHash : intermediates[Number(index)]!;
    s.lo = newLo;
    s.hi = newHi;
    s.startHash = agreed;
    s.endHash = disputed;
    if (newHi - newLo > 1n) s.phase = Phase.Bisect;
    else s.phase = s.level === 1 ? Phase.OpenPhase2 : Phase.Step;
  }

  /** Defender: opens level 2 on node lo with its halted final VM state. */
  openPhase2(finalVmState: Hex, phaseProof: P, exitProof: E): void {
    this.#expect(Phase.OpenPhase2);
    const s = this.#s;
    const node = s.lo;
    const finalStatus = vmStatusOf(finalVmState);
    if (finalStatus !== VM_HALTED) throw new RefereeRevertError("FinalStateNotHalted", `status ${finalStatus}`);
    const initial = this.#o.boundary.initialStateHash(node, s.startHash, phaseProof);
    const initialStatus = vmStatusOf(initial);
    if (initialStatus !== VM_RUNNING) throw new RefereeRevertError("InitialStateNotRunning", `status ${initialStatus}`);
    this.#o.boundary.checkExit(node, s.startHash, s.endHash, finalVmState, exitProof);
    s.level = 2;
    s.node = Number(node);
    s.lo = 0n;
    s.hi = 1n << this.stepDepth;
    s.startHash = initial;
    s.endHash = finalVmState;
    s.phase = Phase.Bisect;
  }

  /** Anyone: executes the disputed step from the agreed pre-state; equal post: the defender wins. */
  step(witness: W, proof: S): void {
    this.#expect(Phase.Step);
    const pre = this.#o.stepVerifier.stateHash(witness);
    if (!same(pre, this.#s.startHash))
      throw new RefereeRevertError("PreStateMismatch", `agreed ${this.#s.startHash}, witness ${pre}`);
    const post = this.#o.stepVerifier.step(witness, proof);
    this.#resolve(same(post, this.#s.endHash));
  }

  /** The side on move ran out of time: it loses. */
  timeout(): void {
    if (this.#s.status !== GameStatus.InProgress)
      throw new RefereeRevertError("GameNotInProgress", `status ${this.#s.status}`);
    const defenderOnMove = this.#s.phase === Phase.Bisect || this.#s.phase === Phase.OpenPhase2;
    this.#resolve(!defenderOnMove);
  }

  #resolve(defenderWon: boolean): void {
    this.#s.status = defenderWon ? GameStatus.DefenderWon : GameStatus.ChallengerWon;
    this.#s.phase = Phase.Resolved;
  }
}
