/**
 * Whole games in TypeScript: a {@link Referee} playing DisputeGame's rules between two parties over
 * the toy world. A party is honest (it plays `defenderMove` / `challengerMove` on its true
 * execution) or a liar: a consistent lie (one flipped VM state that every later state inherits),
 * garbage at chosen positions of either level, or a challenger choosing at random or by the last
 * difference. A side that cannot make a valid move loses on time, as on chain.
 */
import { concat, keccak256, numberToHex, pad, type Hex } from "viem";
import {
  challengerMove,
  defenderMove,
  GameStatus,
  GraphStateTrace,
  intermediatePositions,
  Phase,
  phase2Target,
  pointOf,
  Referee,
  RefereeRevertError,
  segmentsFor,
  vmRunFromHashes,
  vmTrace,
  type BisectionView,
  type TraceProvider,
} from "../../index.ts";
import { Rng } from "../../../common/rng.ts";
import {
  execute,
  hashState,
  runNode,
  toyBoundary,
  toyStepVerifier,
  type Execution,
  type Lie,
  type ToyState,
} from "./toyWorld.ts";

export interface World {
  k: bigint;
  stepDepth: bigint;
  n: number;
  /** Node runs take 1 … maxSteps steps (maxSteps <= 2^D). */
  maxSteps: number;
  s0: Hex;
}

export interface PartySpec {
  name: string;
  lie?: Lie;
  /** Level-1 positions where the party's graph state is replaced by garbage. */
  garbage1?: bigint[];
  /** Level-2 positions (in any node) where its VM state hash is replaced by garbage. */
  garbage2?: bigint[];
  /** Challenger only: pick sub-segments at random. */
  randomChoice?: boolean;
  /** Challenger only: pick the last differing sub-segment (a wrong strategy). */
  lastDifference?: boolean;
}

/** Where level 2 started: the node and the agreed S_i. */
interface Opened {
  node: number;
  sI: Hex;
}

function overlay(p: TraceProvider, positions: readonly bigint[] | undefined, tag: string): TraceProvider {
  if (!positions?.length) return p;
  const set = new Set(positions);
  return {
    length: p.length,
    commitmentAt: (x) =>
      set.has(x)
        ? Promise.resolve(keccak256(concat([`0x${Buffer.from(tag).toString("hex")}`, pad(numberToHex(x))])))
        : p.commitmentAt(x),
  };
}

export class Party {
  readonly exec: Execution;
  readonly honest: boolean;
  readonly #rng: Rng;

  constructor(
    readonly world: World,
    readonly spec: PartySpec,
    seed: number,
  ) {
    this.exec = execute(world.s0, world.n, world.maxSteps, spec.lie);
    this.honest =
      !spec.lie && !spec.garbage1?.length && !spec.garbage2?.length && !spec.randomChoice && !spec.lastDifference;
    this.#rng = new Rng(seed);
  }

  /** S_N as this party claims it. */
  async claim(): Promise<Hex> {
    return this.level1().commitmentAt(BigInt(this.world.n));
  }

  level1(): TraceProvider {
    return overlay(new GraphStateTrace(this.exec.graph), this.spec.garbage1, `g1.${this.spec.name}`);
  }

  /** This party's run of node `o.node` from the agreed S_i. */
  run(o: Opened): ToyState[] {
    const lie = this.spec.lie?.node === o.node ? this.spec.lie.step : undefined;
    return runNode(o.sI, o.node, this.world.maxSteps, lie);
  }

  level2(o: Opened): TraceProvider {
    const trace = vmTrace(vmRunFromHashes(this.run(o).map(hashState)), this.world.stepDepth);
    return overlay(trace, this.spec.garbage2, `g2.${this.spec.name}`);
  }

  provider(v: BisectionView, o: Opened | undefined): TraceProvider {
    return v.level === 1 ? this.level1() : this.level2(o!);
  }

  async bisect(v: BisectionView, o: Opened | undefined): Promise<Hex[]> {
    const p = this.provider(v, o);
    if (this.honest) return defenderMove(v, p);
    return Promise.all(intermediatePositions(v, v.k).map((x) => p.commitmentAt(x)));
  }

  open(v: BisectionView): { final: Hex; exit: ToyState; opened: Opened } {
    const t = phase2Target(v);
    const opened = { node: Number(t.node), sI: t.agreedState };
    const run = this.run(opened);
    const final = run[run.length - 1]!;
    return { final: hashState(final), exit: final, opened };
  }

  async choose(v: BisectionView, posted: Hex[], o: Opened | undefined): Promise<bigint> {
    const m = segmentsFor(v.hi - v.lo, v.k);
    if (this.spec.randomChoice) return BigInt(this.#rng.below(Number(m)));
    const p = this.provider(v, o);
    if (this.spec.lastDifference) {
      for (let i = m - 1n; i >= 0n; i--) {
        const theirs = i === m - 1n ? v.endHash : posted[Number(i)]!;
        if ((await p.commitmentAt(pointOf(v, v.k, i + 1n))) !== theirs) return i;
      }
      return m - 1n;
    }
    if (this.honest) {
      const c = await challengerMove(v, posted, p);
      if (c.kind === "agree") throw new Error("an honest challenger agreed with every commitment");
      return c.index;
    }
    // A liar plays the honest strategy on its lie, and anything when that fails.
    try {
      const c = await challengerMove(v, posted, p);
      if (c.kind === "dispute") return c.index;
    } catch {
      /* its lie is inconsistent with the game: choose anything */
    }
    return BigInt(this.#rng.below(Number(m)));
  }

  /** The pre-state witness this party holds for the final step, if its state there hashes to the agreed one. */
  witness(v: BisectionView, o: Opened): ToyState | null {
    const run = this.run(o);
    const s = run[Math.min(Number(v.lo), run.length - 1)]!;
    return hashState(s) === v.startHash ? s : null;
  }
}

export interface GameResult {
  defenderWon: boolean;
  rounds: number;
  /** How it ended: "step" or the phase of the side that timed out. */
  end: string;
}

/** Plays a game to the end; a liar that cannot make a valid move times out. */
export async function playGame(world: World, d: Party, c: Party): Promise<GameResult> {
  const ref = new Referee<null, ToyState | null, ToyState, null>({
    k: world.k,
    stepDepth: world.stepDepth,
    nodeCount: BigInt(world.n),
    startState: world.s0,
    claimedState: await d.claim(),
    boundary: toyBoundary(world.maxSteps),
    stepVerifier: toyStepVerifier,
  });
  let opened: Opened | undefined;
  let rounds = 0;
  let posted: Hex[] = [];
  const liarTimesOut = (side: Party, e: unknown, phase: string): string => {
    if (side.honest) throw e;
    ref.timeout();
    return phase;
  };
  let end = "";
  while (ref.state.status === GameStatus.InProgress) {
    const v = ref.view;
    switch (ref.state.phase) {
      case Phase.Bisect:
        try {
          posted = await d.bisect(v, opened);
          ref.bisect(posted);
        } catch (e) {
          end = liarTimesOut(d, e, "bisect");
        }
        break;
      case Phase.Choose:
        ref.choose(posted, await c.choose(v, posted, opened));
        rounds++;
        break;
      case Phase.OpenPhase2: {
        const o = d.open(v);
        try {
          ref.openPhase2(o.final, null, o.exit);
          opened = o.opened;
        } catch (e) {
          if (!(e instanceof RefereeRevertError)) throw e;
          end = liarTimesOut(d, e, "openPhase2");
        }
        break;
      }
      case Phase.Step: {
        const w = d.witness(v, opened!) ?? c.witness(v, opened!);
        if (w) {
          ref.step(w, null);
          end = "step";
        } else {
          ref.timeout(); // charged to the challenger's clock
          end = "step-timeout";
        }
        break;
      }
      default:
        throw new Error(`unexpected phase ${ref.state.phase}`);
    }
  }
  return { defenderWon: ref.state.status === GameStatus.DefenderWon, rounds, end };
}
