/**
 * The submitter daemon: watches InferenceRequested for the models it serves, runs each request
 * with the native runner, posts the claim with its bond, defends every game opened against its
 * claims, claims timeouts, finalizes after the window and withdraws. A request whose input the
 * model cannot run is run once, recorded and logged once (daemon/failedRuns.ts), and not claimed.
 *
 * The loop, the data directory, the game play and the error containment are daemon/Daemon.ts;
 * this is the submitter's policy: which events it follows, what it does per request, how it
 * defends. Each request's state is kept from the oracle's events (requested, claimed, challenged,
 * settled, rejected, finalized, cancelled), read once per poll; the chain is re-read for a request
 * only to reconcile: after a restart and after an action on it failed. Claims and finalizations
 * are tasks of their own (daemon/Daemon.ts), their transactions pipelined (daemon/txPipeline.ts),
 * so one block carries many. A restart resumes a reorg margin before the saved event cursor with
 * the open requests (and their inputs) and games; a claim the previous run left in flight (per the
 * journal) is watched, never sent again.
 */
import {
  bytesToHex,
  hexToBytes,
  isHex,
  isAddressEqual,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type Transport,
} from "viem";
import { getBlock } from "viem/actions";
import { CacheContentError } from "../daemon/dataDir.ts";
import { Daemon, type DaemonOptions, type GameSide } from "../daemon/Daemon.ts";
import { FailedRuns } from "../daemon/failedRuns.ts";
import { isDecimal, type ScanRange } from "../daemon/eventCursor.ts";
import { getModel, getRequestStatus } from "../sdk/index.ts";
import { finalizeRequest, submitClaim } from "../sdk/operator/index.ts";
import type { ComputedClaim, NodeVmTruth, ServedModel } from "../claim/ServedModel.ts";
import { DEFAULT_MAX_IN_FLIGHT } from "../daemon/config.ts";

/** The one line a request whose input the model cannot run gets. */
const UNRUNNABLE = "the model cannot run this request's input: no valid claim exists, not claiming it";

export interface SubmitterOptions extends DaemonOptions {
  client: Client<Transport, Chain | undefined, Account>;
  /** Served models by model id. */
  models: Map<bigint, ServedModel>;
  /** Tests and the demo only: claim a wrong output, lying at this node. */
  lieAtNode?: number;
  /**
   * Tests and the demo only, with `lieAtNode`: carry the lie into phase 2 with a VM run that is
   * wrong at its last step (so it is caught by the on-chain step, not by the phase boundary).
   */
  lieInVm?: boolean;
}

/** What the data directory keeps between runs: the open requests (with their inputs) and games. */
export interface SubmitterItems {
  requests: { requestId: string; modelId: string; input: Hex }[];
  games: { gameId: string; requestId: string }[];
}

function decodeSubmitterItems(raw: unknown): SubmitterItems {
  const r = raw as Partial<SubmitterItems> | undefined;
  const ok =
    Array.isArray(r?.requests) &&
    Array.isArray(r.games) &&
    r.requests.every((x) => isDecimal(x?.requestId) && isDecimal(x?.modelId) && isHex(x?.input, { strict: true })) &&
    r.games.every((x) => isDecimal(x?.gameId) && isDecimal(x?.requestId));
  if (!ok) throw new CacheContentError("submitter items are not requests and games");
  return r as SubmitterItems;
}

interface Tracked {
  modelId: bigint;
  input: Uint8Array;
  claim?: ComputedClaim;
  /** From the events; "unknown" (after a restart, or an action that failed): re-read before acting. */
  state: "unknown" | "open" | "claimed" | "closed";
  /** The model cannot run the input (failedRuns.ts): no valid claim exists, never claimed. */
  unrunnable?: boolean;
  /** The active claim, while claimed. */
  active?: {
    claimId: bigint;
    ours: boolean;
    challengeDeadline: bigint;
    /** Open games over it seen in events, and those a re-read counted (ids unknown). */
    games: Set<bigint>;
    reconciledGames: number;
  };
}

export class SubmitterDaemon extends Daemon<SubmitterItems, SubmitterOptions> {
  readonly requests = new Map<bigint, Tracked>();
  /** Inputs the model cannot run, each run once (daemon/failedRuns.ts). */
  readonly failures = new FailedRuns(this.work.dataDir);
  /** Submitter bonds by model id, read once. */
  private readonly bonds = new Map<bigint, Promise<bigint>>();
  /** Demo liar only: its tampered level-2 runs per game and node. */
  private readonly vmTruths = new Map<string, Promise<NodeVmTruth>>();

  constructor(opts: SubmitterOptions) {
    super(opts, { role: "defender", stateName: "submitter", decodeItems: decodeSubmitterItems, gameKey: "requestId" });
  }

  get address(): Address {
    return this.opts.client.account.address;
  }

  protected items(): SubmitterItems {
    return {
      requests: [...this.requests]
        .filter(([, t]) => t.state !== "closed")
        .map(([id, t]) => ({ requestId: String(id), modelId: String(t.modelId), input: bytesToHex(t.input) })),
      games: [...this.games].map(([g, r]) => ({ gameId: String(g), requestId: String(r) })),
    };
  }

  protected restoreItems(items: SubmitterItems): void {
    for (const r of items.requests) {
      const modelId = BigInt(r.modelId);
      if (this.opts.models.has(modelId))
        this.requests.set(BigInt(r.requestId), { modelId, input: hexToBytes(r.input), state: "unknown" });
    }
    for (const g of items.games) this.games.set(BigInt(g.gameId), BigInt(g.requestId));
  }

  /** Requests for served models and what happens to them; games against our claims. */
  protected async scanEvents(range: ScanRange): Promise<void> {
    const { logger } = this.opts;
    for (const log of await this.allOracleEvents(range)) {
      const requestId = "requestId" in log.args ? log.args.requestId : undefined;
      if (requestId === undefined) continue;
      const t = this.requests.get(requestId);
      switch (log.eventName) {
        case "InferenceRequested": {
          const { modelId, input } = log.args;
          if (modelId === undefined || typeof input !== "string") {
            logger.warn({ tx: log.transactionHash }, "malformed InferenceRequested event, skipped");
            break;
          }
          if (!this.opts.models.has(modelId) || t) break;
          this.requests.set(requestId, { modelId, input: hexToBytes(input), state: "open" });
          this.metrics.requestSeen();
          logger.info({ requestId: String(requestId), modelId: String(modelId) }, "request seen");
          break;
        }
        case "ClaimSubmitted": {
          const { claimId, submitter, challengeDeadline } = log.args;
          if (!t || claimId === undefined || !submitter || challengeDeadline === undefined) break;
          if (t.active && t.active.claimId >= claimId) break; // a rescan
          t.state = "claimed";
          t.active = {
            claimId,
            ours: isAddressEqual(submitter, this.address),
            challengeDeadline,
            games: new Set(),
            reconciledGames: 0,
          };
          break;
        }
        case "ClaimChallenged": {
          const { claimId, gameId, challenger } = log.args;
          if (claimId === undefined || gameId === undefined) break;
          const ours =
            t?.active?.claimId === claimId
              ? t.active.ours
              : isAddressEqual((await this.readClaim(claimId)).submitter, this.address);
          if (t?.active?.claimId === claimId) t.active.games.add(gameId);
          if (!ours || this.games.has(gameId)) break;
          this.games.set(gameId, requestId);
          logger.warn({ requestId: String(requestId), gameId: String(gameId), challenger }, "our claim is challenged");
          break;
        }
        case "GameSettled": {
          const { claimId, gameId } = log.args;
          if (!t?.active || t.active.claimId !== claimId || gameId === undefined) break;
          if (!t.active.games.delete(gameId) && t.active.reconciledGames > 0) t.active.reconciledGames--;
          break;
        }
        case "ClaimRejected":
          if (t && t.active?.claimId === log.args.claimId) {
            t.state = "open";
            t.active = undefined;
          }
          break;
        case "RequestFinalized":
        case "RequestCancelled":
          if (t) t.state = "closed";
          break;
        default:
          break;
      }
    }
  }

  /**
   * Games first (their clocks run), then each open request: its claim, or its finalization once
   * the window has passed; then payouts. Each is a task of its own; the pipeline sends moves
   * before claims before the rest when its cap on transactions in flight is reached.
   */
  protected async act(): Promise<void> {
    await this.playGames();
    const cap = this.opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    let now: bigint | undefined;
    for (const [requestId, t] of this.requests) {
      const key = `request:${requestId}`;
      if (this.busy(key)) continue;
      if (t.state === "closed") {
        this.close(requestId, t);
        continue;
      }
      if (this.taskCount >= cap) break;
      const fields = { requestId: String(requestId) };
      const reconcile = () => (t.state = "unknown");
      if (t.state === "unknown") {
        // Re-read, then act on what the chain says in the same task.
        this.startTask(key, "request handling failed", fields, async () => {
          await this.reconcile(requestId, t);
          if (t.state === "open") await this.claim(requestId, t);
          else if (this.finalizable(t, (await this.chainTime()).timestamp)) await this.finalize(requestId);
        });
      } else if (t.state === "open" && !t.unrunnable && !this.pipeline?.inFlight("submitClaim", requestId)) {
        this.startTask(
          key,
          "claim failed; will re-read the request",
          fields,
          () => this.claim(requestId, t),
          reconcile,
        );
      } else if (this.finalizable(t, (now ??= (await this.chainTime()).timestamp))) {
        this.startTask(
          key,
          "finalize failed; will re-read the request",
          fields,
          () => this.finalize(requestId),
          reconcile,
        );
      }
    }
    this.withdraw();
  }

  /** Our claim on `t`, its window passed at `now` with no open game. */
  private finalizable(t: Tracked, now: bigint): boolean {
    const a = t.active;
    return (
      t.state === "claimed" &&
      a !== undefined &&
      a.ours &&
      a.games.size + a.reconciledGames === 0 &&
      now >= a.challengeDeadline
    );
  }

  private chainTime() {
    return this.rpc("getBlock", () => getBlock(this.opts.client));
  }

  /** Re-reads a request whose state the events do not give (after a restart, or a failed action). */
  private async reconcile(requestId: bigint, t: Tracked): Promise<void> {
    const { client, oracle } = this.opts;
    const s = await this.rpc("getRequest", () => getRequestStatus(client, { oracle, requestId }));
    if (s.status === "open") {
      t.state = "open";
      t.active = undefined;
    } else if (s.status === "claimed" && s.claim) {
      t.state = "claimed";
      t.active = {
        claimId: s.claim.claimId,
        ours: isAddressEqual(s.claim.submitter, this.address),
        challengeDeadline: s.claim.challengeDeadline,
        games: new Set(),
        reconciledGames: s.claim.openGames,
      };
    } else t.state = "closed";
  }

  private async claim(requestId: bigint, t: Tracked): Promise<void> {
    const { client, oracle, journal } = this.opts;
    const claim = this.computed(requestId, t);
    if (!claim) {
      t.unrunnable = true; // no valid claim exists: the requester cancels it (protocol.md §8.2.1)
      return;
    }
    const r = await submitClaim(client, {
      oracle,
      journal,
      sender: this.pipeline,
      requestId,
      ...claim,
      submitterBond: await this.bond(t.modelId),
    });
    this.opts.logger.info(
      { requestId: String(requestId), claimId: String(r.claimId), tx: r.hash, output: claim.output },
      "claim submitted",
    );
    this.metrics.claim("submitted");
  }

  private async finalize(requestId: bigint): Promise<void> {
    const { client, oracle, journal } = this.opts;
    const r = await finalizeRequest(client, { oracle, journal, sender: this.pipeline, requestId });
    this.opts.logger.info(
      { requestId: String(requestId), tx: r.hash, callbackDelivered: r.callbackDelivered },
      "request finalized",
    );
    this.metrics.claim("finalized");
    this.withdraw();
  }

  /** A request finalized or cancelled: forgotten, its claim's cache file released. */
  private close(requestId: bigint, t: Tracked): void {
    this.requests.delete(requestId);
    this.work.claims.release(this.opts.models.get(t.modelId)!, t.input, this.variant);
    this.opts.logger.info({ requestId: String(requestId), ours: t.active?.ours ?? false }, "request closed");
  }

  /** The submitter bond of a served model, read once. */
  private bond(modelId: bigint): Promise<bigint> {
    let b = this.bonds.get(modelId);
    if (!b) {
      const { client, oracle } = this.opts;
      b = this.rpc("getModel", () => getModel(client, { oracle, modelId })).then((m) => m.submitterBond);
      b.catch(() => this.bonds.delete(modelId)); // read again next time
      this.bonds.set(modelId, b);
    }
    return b;
  }

  /** The level-1 cache's variant of our claims: honest, or the demo lie. */
  private get variant(): string {
    return this.opts.lieAtNode === undefined ? "honest" : `lie@${this.opts.lieAtNode}`;
  }

  /**
   * Our claim for the request, computed once; undefined when the model cannot run its input
   * (failedRuns.ts: recorded in the data directory, logged once, never run again).
   */
  private computed(requestId: bigint, t: Tracked): ComputedClaim | undefined {
    const served = this.opts.models.get(t.modelId)!;
    const log = this.opts.logger.child({ requestId: String(requestId) });
    t.claim ??= this.failures.run(served, t.input, `request ${this.opts.oracle}:${requestId}`, log, UNRUNNABLE, () =>
      this.work.claims.get(served, t.input, this.variant, () =>
        served.claim(t.input, { lieAtNode: this.opts.lieAtNode }),
      ),
    );
    return t.claim;
  }

  /** A game against our claim: defended with the claim's own states and, in phase 2, the node's VM trace. */
  protected async gameSide(gameId: bigint, requestId: bigint): Promise<GameSide | undefined> {
    const t = this.requests.get(requestId);
    if (!t) {
      this.opts.logger.error(
        { requestId: String(requestId), gameId: String(gameId) },
        "a game against a request this daemon does not serve; cannot defend it",
      );
      return undefined;
    }
    const m = this.opts.models.get(t.modelId)!;
    const claim = this.computed(requestId, t);
    if (!claim) return undefined; // not ours to defend: we never claimed an input the model cannot run
    const log = this.opts.logger.child({ requestId: String(requestId), gameId: String(gameId) });
    const lieInVm = this.opts.lieInVm === true;
    return {
      served: m,
      claim,
      requestId,
      log,
      prepare: !lieInVm,
      level2: lieInVm
        ? (node, depth) => {
            const key = `${gameId}:${node}`;
            let v = this.vmTruths.get(key);
            if (!v) {
              v = m.tamperedVm(claim, Number(node), depth);
              this.vmTruths.set(key, v);
            }
            return v;
          }
        : undefined,
      openPhase2: async (node) => {
        const o = lieInVm
          ? (await m.tamperedVm(claim, Number(node), 32n)).opening
          : await m.phase2FromTrace(claim, Number(node), await this.work.traces.trace(m, claim, Number(node)));
        log.info(
          { node: String(node), steps: o.steps, finalVmState: o.finalVmState },
          "phase 2 run of the disputed node",
        );
        return o;
      },
      onResolved: () => {
        for (const key of this.vmTruths.keys()) if (key.startsWith(`${gameId}:`)) this.vmTruths.delete(key);
      },
    };
  }
}
