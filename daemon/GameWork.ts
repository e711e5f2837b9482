/**
 * What both daemons do around a game move besides the move itself: the data directory's caches
 * (level-1 claims, level-2 node traces), this machine's measured VM speed, and the deadline check
 * before a VM run. {@link GameWork.plan} reads a game and says how urgent it is and what run it
 * needs; {@link GameWork.prepare} warns when the clock is tight, queues the run by the deadline
 * of the move that needs it (the VM scheduler runs every game's runs earliest deadline first), and
 * traces the node ahead while the opponent is on move, so that the run is off our clock.
 */
import type { Account, Address, Chain, Client, Transport } from "viem";
import { getBlock } from "viem/actions";
import { moverOf, type GameView } from "../bisection/index.ts";
import type { ComputedClaim, ServedModel } from "../claim/ServedModel.ts";
import { ClaimCache } from "./claimCache.ts";
import { DataDir } from "./dataDir.ts";
import {
  assessDeadline,
  candidateNodes,
  clockLeftS,
  DEFAULT_DEADLINE_POLICY,
  nodeToTrace,
  traceDeadline,
  type DeadlineAssessment,
  type DeadlinePolicy,
  type GameUrgency,
} from "./deadline.ts";
import { readGame, type GameRole } from "../sdk/operator/index.ts";
import type { Logger } from "./logger.ts";
import { NodeTraces } from "./nodeTraces.ts";
import { vmStepsPerSecond } from "./vmSpeed.ts";
import { REFERENCE_VM_STEPS_PER_SECOND } from "../chain/phase2Sizing.ts";

type AnyClient = Client<Transport, Chain | undefined, Account | undefined>;

export interface GameWorkOptions {
  /** The data directory; without one, everything is computed in memory only. */
  dir?: string;
  logger: Logger;
  deadline?: DeadlinePolicy;
  /** This machine's VM speed; measured once at start-up when not given. */
  stepsPerSecond?: number;
}

/**
 * Steps per second assumed when the measurement fails: slower than any machine measured so far;
 * the same reference speed `opml model register` sizes the phase-2 extension with.
 */
export const FALLBACK_STEPS_PER_SECOND = REFERENCE_VM_STEPS_PER_SECOND;

export interface GamePlan extends GameUrgency {
  gameId: bigint;
  view: GameView;
  /** The node whose VM run the next moves need, if any. */
  node?: number;
  /** Chain time (s) by which that run is needed: the deadline of the first move that needs it. */
  due: number;
  /** Defender only, with a tight clock: the nodes the challenger's pending choice may dispute, to trace now. */
  ahead?: number[];
  assessment?: DeadlineAssessment;
}

export class GameWork {
  readonly dataDir?: DataDir;
  readonly traces: NodeTraces;
  readonly claims: ClaimCache;
  private sps?: Promise<number>;

  constructor(private readonly opts: GameWorkOptions) {
    this.dataDir = opts.dir ? new DataDir(opts.dir, opts.logger) : undefined;
    this.traces = new NodeTraces(this.dataDir);
    this.claims = new ClaimCache(this.dataDir);
  }

  /** VM steps per second: given, or measured on the first call (and logged). */
  stepsPerSecond(): Promise<number> {
    this.sps ??= (async () => {
      if (this.opts.stepsPerSecond !== undefined) return this.opts.stepsPerSecond;
      try {
        const sps = await vmStepsPerSecond();
        this.opts.logger.info({ stepsPerSecond: Math.round(sps) }, "measured this machine's VM speed");
        return sps;
      } catch (err) {
        // The deadline checks then err on the slow side; the games are still played.
        this.opts.logger.error(
          { err, stepsPerSecond: FALLBACK_STEPS_PER_SECOND },
          "could not measure the VM speed; assuming a slow machine",
        );
        return FALLBACK_STEPS_PER_SECOND;
      }
    })();
    return this.sps;
  }

  /** Reads game `gameId` and says how urgent our next move is and what VM run it needs. */
  async plan(
    client: AnyClient,
    args: { game: Address; gameId: bigint; role: GameRole },
    served: ServedModel,
    claim: ComputedClaim,
  ): Promise<GamePlan> {
    const view = await readGame(client, args);
    const now = (await getBlock(client)).timestamp;
    const left = clockLeftS(view, args.role, now);
    const mover = moverOf(view.phase);
    const ourMove = mover === args.role || mover === "anyone";
    const node = nodeToTrace(view);
    const assess = async (nodes: number[]) =>
      assessDeadline(
        {
          estimatedSteps: Math.max(0, ...nodes.map((n) => served.compiled.nodeSteps[n] ?? 0)),
          stepsPerSecond: await this.stepsPerSecond(),
          clockLeftS: left,
        },
        this.opts.deadline ?? DEFAULT_DEADLINE_POLICY,
      );
    let computeS = 0;
    let assessment: DeadlineAssessment | undefined;
    let ahead: number[] | undefined;
    if (node !== undefined && !(await this.traces.has(served, claim, node))) {
      assessment = await assess([node]);
      computeS = assessment.computeS;
    } else if (args.role === "defender" && !ourMove) {
      const todo: number[] = [];
      for (const n of candidateNodes(view, view.k)) if (!(await this.traces.has(served, claim, n))) todo.push(n);
      const a = todo.length ? await assess(todo) : undefined;
      if (a?.tight) [assessment, ahead] = [a, todo];
    }
    const due = Number(traceDeadline(view, args.role));
    return { gameId: args.gameId, view, ourMove, clockLeftS: left, computeS, node, due, assessment, ahead };
  }

  /**
   * Before the move: logs a warning with both numbers when the clock is tight for the VM run
   * ahead; queues the run by `p.due` and, when the move is ours, waits for it (other games' moves
   * go on meanwhile). When the opponent is on move the run is queued and not waited for: it is
   * then off our clock. Candidates traced ahead are background work, run only while no due run waits.
   */
  async prepare(p: GamePlan, served: ServedModel, claim: ComputedClaim, log: Logger): Promise<void> {
    const a = p.assessment;
    const queue = (n: number, urgency: { deadline?: number; background?: boolean }) =>
      this.traces.trace(served, claim, n, urgency).catch((err: unknown) => {
        log.error({ err, node: n }, "VM run traced ahead failed; it is retried when a move needs it");
      });
    if (p.ahead && a) {
      const numbers = { nodes: p.ahead, computeS: Number(a.computeS.toFixed(3)), clockLeftS: a.clockLeftS };
      log.warn(numbers, "clock tight for opening the next node: tracing every candidate while the challenger chooses");
      for (const n of p.ahead) void queue(n, { background: true });
      return;
    }
    if (p.node === undefined) return;
    if (!a) {
      // The trace is at hand (or being recorded): a due move takes it, at its deadline's priority.
      if (p.ourMove) await this.traces.trace(served, claim, p.node, { deadline: p.due });
      return;
    }
    const numbers = {
      node: p.node,
      estimatedSteps: served.compiled.nodeSteps[p.node],
      computeS: Number(a.computeS.toFixed(3)),
      clockLeftS: a.clockLeftS,
      needS: Number(a.needS.toFixed(3)),
    };
    if (a.late) log.error(numbers, "the VM run of the disputed node may not finish before our clock runs out");
    else if (a.tight) log.warn(numbers, "clock tight for the VM run of the disputed node");
    if (!p.ourMove) {
      log.info(numbers, "tracing the disputed node ahead, while the opponent is on move");
      void queue(p.node, { deadline: p.due });
      return;
    }
    await this.traces.trace(served, claim, p.node, { deadline: p.due });
  }
}
