/**
 * The submitter daemon: watches InferenceRequested for the models it serves, runs each request
 * with the native runner, posts the claim with its bond, defends every game opened against its
 * claims (level 1 with `bisection/`), claims timeouts, finalizes after the window and withdraws.
 *
 * It is a loop of `tick()`s. Everything it acts on is re-read from the chain in the same tick. Its
 * data directory (the journal's) is a rebuildable cache: the event cursor with the open requests
 * and games (a restart resumes a reorg margin before the cursor, not from `fromBlock`), the
 * claims' S_0 … S_N and the disputed nodes' VM traces. Games are handled most urgent first, and a
 * VM run with a tight clock is logged with its estimate and the clock left (GameWork.ts).
 * A malformed event, a bad cache file or a failing RPC is logged and skipped, never fatal.
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
import { getBlock, getContractEvents, readContract } from "viem/actions";
import { GraphStateTrace } from "../bisection/index.ts";
import { CacheContentError } from "../daemon/dataDir.ts";
import { orderGames } from "../daemon/deadline.ts";
import { isDecimal, type EventCursor, type ScanRange } from "../daemon/eventCursor.ts";
import { daemonCache, type DaemonCacheOptions, type GamePlan, type GameWork } from "../daemon/GameWork.ts";
import type { Journal } from "../daemon/journal.ts";
import type { Logger } from "../daemon/logger.ts";
import { retry, type RetryOptions } from "../daemon/retry.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { getRequestStatus } from "../sdk/index.ts";
import { finalizeRequest, stepGame, submitClaim, withdrawPayouts } from "../sdk/operator/index.ts";
import type { ComputedClaim, NodeVmTruth, ServedModel } from "../claim/ServedModel.ts";

type WalletClient = Client<Transport, Chain | undefined, Account>;

export interface SubmitterOptions extends DaemonCacheOptions {
  client: WalletClient;
  oracle: Address;
  /** Served models by model id. */
  models: Map<bigint, ServedModel>;
  logger: Logger;
  journal?: Journal;
  fromBlock?: bigint;
  pollMs?: number;
  retry?: RetryOptions;
  /** Withdraw credited payouts each tick (default true). */
  withdraw?: boolean;
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
  done?: boolean;
}

export class SubmitterDaemon {
  readonly requests = new Map<bigint, Tracked>();
  /** Games against our claims: gameId → requestId. */
  readonly games = new Map<bigint, bigint>();
  /** Demo liar only: its tampered level-2 runs per game and node. */
  private readonly vmTruths = new Map<string, Promise<NodeVmTruth>>();
  /** The data directory's caches and the deadline checks. */
  readonly work: GameWork;
  readonly cursor: EventCursor<SubmitterItems>;
  private game?: Address;
  private running = false;
  private loop?: Promise<void>;

  constructor(readonly opts: SubmitterOptions) {
    ({ work: this.work, cursor: this.cursor } = daemonCache(opts, "submitter", decodeSubmitterItems, (what, fn) =>
      this.rpc(what, fn),
    ));
  }

  /** The open requests and games, as the data directory keeps them. */
  private items(): SubmitterItems {
    return {
      requests: [...this.requests]
        .filter(([, t]) => !t.done)
        .map(([id, t]) => ({ requestId: String(id), modelId: String(t.modelId), input: bytesToHex(t.input) })),
      games: [...this.games].map(([g, r]) => ({ gameId: String(g), requestId: String(r) })),
    };
  }

  private restoreItems(items: SubmitterItems): void {
    for (const r of items.requests) {
      const modelId = BigInt(r.modelId);
      if (this.opts.models.has(modelId))
        this.requests.set(BigInt(r.requestId), { modelId, input: hexToBytes(r.input) });
    }
    for (const g of items.games) this.games.set(BigInt(g.gameId), BigInt(g.requestId));
  }

  get address(): Address {
    return this.opts.client.account.address;
  }

  private rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retry(what, fn, {
      ...this.opts.retry,
      onRetry: (err, attempt) => this.opts.logger.warn({ err, attempt }, `retrying ${what}`),
    });
  }

  /** Reads new events: requests for served models, games against our claims. */
  private async scan(): Promise<void> {
    const { client, oracle, logger } = this.opts;
    this.game ??= await this.rpc("disputeGame", () =>
      readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "disputeGame" }),
    );
    const saved = await this.cursor.restore();
    if (saved) this.restoreItems(saved);
    const r: ScanRange | undefined = await this.cursor.range();
    if (!r) return;
    const range = { address: oracle, abi: opmlOracleAbi, fromBlock: r.fromBlock, toBlock: r.toBlock } as const;
    const requested = await this.rpc("InferenceRequested logs", () =>
      getContractEvents(client, { ...range, eventName: "InferenceRequested" }),
    );
    for (const log of requested) {
      const { requestId, modelId, input } = log.args;
      if (requestId === undefined || modelId === undefined || typeof input !== "string") {
        logger.warn({ tx: log.transactionHash }, "malformed InferenceRequested event, skipped");
        continue;
      }
      if (!this.opts.models.has(modelId) || this.requests.has(requestId)) continue;
      this.requests.set(requestId, { modelId, input: hexToBytes(input as Hex) });
      logger.info({ requestId: String(requestId), modelId: String(modelId) }, "request seen");
    }
    const challenged = await this.rpc("ClaimChallenged logs", () =>
      getContractEvents(client, { ...range, eventName: "ClaimChallenged" }),
    );
    for (const log of challenged) {
      const { requestId, claimId, gameId, challenger } = log.args;
      if (requestId === undefined || claimId === undefined || gameId === undefined) continue;
      const claim = await this.rpc("getClaim", () =>
        readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "getClaim", args: [claimId] }),
      );
      if (!isAddressEqual(claim.submitter, this.address) || this.games.has(gameId)) continue;
      this.games.set(gameId, requestId);
      const t = this.requests.get(requestId);
      if (t) t.done = false;
      logger.warn({ requestId: String(requestId), gameId: String(gameId), challenger }, "our claim is challenged");
    }
    this.cursor.commit(r, this.items());
  }

  /** The level-1 cache's variant of our claims: honest, or the demo lie. */
  private get variant(): string {
    return this.opts.lieAtNode === undefined ? "honest" : `lie@${this.opts.lieAtNode}`;
  }

  private computed(t: Tracked): ComputedClaim {
    const served = this.opts.models.get(t.modelId)!;
    t.claim ??= this.work.claims.get(served, t.input, this.variant, () =>
      served.claim(t.input, { lieAtNode: this.opts.lieAtNode }),
    );
    return t.claim;
  }

  private async handleRequest(requestId: bigint, t: Tracked): Promise<void> {
    const { client, oracle, journal } = this.opts;
    const log = this.opts.logger.child({ requestId: String(requestId) });
    const s = await this.rpc("getRequest", () => getRequestStatus(client, { oracle, requestId }));
    if (s.status === "open") {
      const claim = this.computed(t);
      const r = await submitClaim(client, { oracle, journal, requestId, ...claim });
      log.info({ claimId: String(r.claimId), tx: r.hash, output: claim.output }, "claim submitted");
    } else if (s.status === "claimed" && s.claim && isAddressEqual(s.claim.submitter, this.address)) {
      const now = await this.rpc("getBlock", () => getBlock(client));
      if (now.timestamp >= s.claim.challengeDeadline && s.claim.openGames === 0) {
        const r = await finalizeRequest(client, { oracle, journal, requestId });
        log.info({ tx: r.hash, callbackDelivered: r.callbackDelivered }, "request finalized");
      }
    } else if (s.status === "finalized" || s.status === "cancelled") {
      t.done = true;
      this.work.claims.release(this.opts.models.get(t.modelId)!, t.input, this.variant);
      log.info(
        { status: s.status, ours: s.claim ? isAddressEqual(s.claim.submitter, this.address) : false },
        "request closed",
      );
    }
  }

  /** Reads a game against our claim: how urgent it is, what VM run it needs. */
  private async planGame(gameId: bigint, requestId: bigint): Promise<GamePlan | undefined> {
    const t = this.requests.get(requestId);
    if (!t) {
      this.opts.logger.error(
        { requestId: String(requestId), gameId: String(gameId) },
        "a game against a request this daemon does not serve; cannot defend it",
      );
      this.games.delete(gameId);
      return undefined;
    }
    const served = this.opts.models.get(t.modelId)!;
    const args = { game: this.game!, gameId, role: "defender" as const };
    return this.rpc("getGame", () => this.work.plan(this.opts.client, args, served, this.computed(t)));
  }

  private async handleGame(p: GamePlan, requestId: bigint): Promise<void> {
    const { gameId } = p;
    const log = this.opts.logger.child({ requestId: String(requestId), gameId: String(gameId) });
    const t = this.requests.get(requestId)!;
    const claim = this.computed(t);
    const m = this.opts.models.get(t.modelId)!;
    if (!this.opts.lieInVm) await this.work.prepare(p, m, claim, log);
    const out = await stepGame(this.opts.client, {
      game: this.game!,
      gameId,
      role: "defender",
      level1: new GraphStateTrace(claim.states),
      journal: this.opts.journal,
      level2: (node, depth) => {
        if (!this.opts.lieInVm) return this.work.traces.truth(m, claim, Number(node), depth);
        const key = `${gameId}:${node}`;
        let v = this.vmTruths.get(key);
        if (!v) {
          v = m.tamperedVm(claim, Number(node), depth);
          this.vmTruths.set(key, v);
        }
        return v;
      },
      requestId,
      openPhase2: async (node) => {
        const o = this.opts.lieInVm
          ? (await m.tamperedVm(claim, Number(node), 32n)).opening
          : await m.phase2FromTrace(claim, Number(node), await this.work.traces.trace(m, claim, Number(node)));
        log.info(
          { node: String(node), steps: o.steps, finalVmState: o.finalVmState },
          "phase 2 run of the disputed node",
        );
        return o;
      },
    });
    if (out.kind === "resolved") {
      this.games.delete(gameId);
      for (const key of this.vmTruths.keys()) if (key.startsWith(`${gameId}:`)) this.vmTruths.delete(key);
      if (p.view.level === 2) await this.work.traces.release(m, claim, p.view.node);
      log.info({ defenderWon: out.status === 2 }, "game resolved");
    } else if (out.kind === "sent") log.info({ move: out.move, tx: out.hash, detail: out.detail }, "game move");
    else if (out.kind === "unsupported")
      log.warn({ phase: out.phase, level: out.level }, "game phase not playable by this daemon yet");
  }

  /** One pass: scan, then act on every open request and game. Errors are logged per item. */
  async tick(): Promise<void> {
    const { logger } = this.opts;
    try {
      await this.scan();
    } catch (err) {
      logger.error({ err }, "scan failed; will retry");
    }
    const plans: GamePlan[] = [];
    for (const [gameId, requestId] of this.games) {
      try {
        const p = await this.planGame(gameId, requestId);
        if (p) plans.push(p);
      } catch (err) {
        logger.error({ err, gameId: String(gameId), requestId: String(requestId) }, "reading the game failed");
      }
    }
    for (const p of orderGames(plans)) {
      const requestId = this.games.get(p.gameId)!;
      try {
        await this.handleGame(p, requestId);
      } catch (err) {
        logger.error({ err, gameId: String(p.gameId), requestId: String(requestId) }, "game move failed");
      }
    }
    for (const [requestId, t] of this.requests) {
      if (t.done) continue;
      try {
        await this.handleRequest(requestId, t);
      } catch (err) {
        logger.error({ err, requestId: String(requestId) }, "request handling failed");
      }
    }
    if (this.opts.withdraw !== false) {
      try {
        const got = await withdrawPayouts(this.opts.client, { oracle: this.opts.oracle, journal: this.opts.journal });
        if (got > 0n) logger.info({ amount: got.toString() }, "payouts withdrawn");
      } catch (err) {
        logger.error({ err }, "withdraw failed");
      }
    }
    this.cursor.save(this.items());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      await this.work.stepsPerSecond(); // measured once, at start-up, for the deadline checks
      while (this.running) {
        await this.tick();
        await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 1000));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
