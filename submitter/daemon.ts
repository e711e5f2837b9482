/**
 * The submitter daemon: watches InferenceRequested for the models it serves, runs each request
 * with the native runner, posts the claim with its bond, defends every game opened against its
 * claims (level 1 with `bisection/`), claims timeouts, finalizes after the window and withdraws.
 *
 * It is a loop of `tick()`s. Everything it acts on is re-read from the chain in the same tick; its
 * memory (requests, computed claims, games) is a cache rebuilt from the chain's events after a
 * restart (scan from `fromBlock`), so a daemon killed at any moment resumes where the chain is.
 * A malformed event or a failing RPC is logged and skipped, never fatal.
 */
import {
  hexToBytes,
  isAddressEqual,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type Transport,
} from "viem";
import { getBlock, getBlockNumber, getContractEvents, readContract } from "viem/actions";
import { GraphStateTrace } from "../bisection/index.ts";
import { stepGame } from "../common/daemon/game.ts";
import type { Journal } from "../common/daemon/journal.ts";
import type { Logger } from "../common/daemon/logger.ts";
import { retry, type RetryOptions } from "../common/daemon/retry.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { getRequestStatus } from "../sdk/actions.ts";
import { finalizeRequest, submitClaim, withdrawPayouts } from "./actions.ts";
import type { ComputedClaim, NodeVmTruth, ServedModel } from "./claim.ts";

type WalletClient = Client<Transport, Chain | undefined, Account>;

export interface SubmitterOptions {
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
  /** Level-2 truth per game and node (VM traces with snapshots): a cache. */
  private readonly vmTruths = new Map<string, Promise<NodeVmTruth>>();
  private cursor: bigint;
  private game?: Address;
  private running = false;
  private loop?: Promise<void>;

  constructor(readonly opts: SubmitterOptions) {
    this.cursor = opts.fromBlock ?? 0n;
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
    const head = await this.rpc("blockNumber", () => getBlockNumber(client, { cacheTime: 0 }));
    if (head < this.cursor) return;
    const range = { address: oracle, abi: opmlOracleAbi, fromBlock: this.cursor, toBlock: head } as const;
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
    this.cursor = head + 1n;
  }

  private computed(requestId: bigint, t: Tracked): ComputedClaim {
    t.claim ??= this.opts.models.get(t.modelId)!.claim(t.input, { lieAtNode: this.opts.lieAtNode });
    return t.claim;
  }

  private async handleRequest(requestId: bigint, t: Tracked): Promise<void> {
    const { client, oracle, journal } = this.opts;
    const log = this.opts.logger.child({ requestId: String(requestId) });
    const s = await this.rpc("getRequest", () => getRequestStatus(client, { oracle, requestId }));
    if (s.status === "open") {
      const claim = this.computed(requestId, t);
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
      log.info(
        { status: s.status, ours: s.claim ? isAddressEqual(s.claim.submitter, this.address) : false },
        "request closed",
      );
    }
  }

  private async handleGame(gameId: bigint, requestId: bigint): Promise<void> {
    const log = this.opts.logger.child({ requestId: String(requestId), gameId: String(gameId) });
    const t = this.requests.get(requestId);
    if (!t) {
      log.error("a game against a request this daemon does not serve; cannot defend it");
      this.games.delete(gameId);
      return;
    }
    const claim = this.computed(requestId, t);
    const out = await stepGame(this.opts.client, {
      game: this.game!,
      gameId,
      role: "defender",
      level1: new GraphStateTrace(claim.states),
      journal: this.opts.journal,
      level2: (node, depth) => {
        const key = `${gameId}:${node}`;
        let v = this.vmTruths.get(key);
        if (!v) {
          const m = this.opts.models.get(t.modelId)!;
          v = this.opts.lieInVm ? m.tamperedVm(claim, Number(node), depth) : m.nodeVm(claim, Number(node), depth);
          this.vmTruths.set(key, v);
        }
        return v;
      },
      requestId,
      openPhase2: async (node) => {
        const m = this.opts.models.get(t.modelId)!;
        const o = this.opts.lieInVm
          ? (await m.tamperedVm(claim, Number(node), 32n)).opening
          : await m.phase2(claim, Number(node));
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
    for (const [gameId, requestId] of this.games) {
      try {
        await this.handleGame(gameId, requestId);
      } catch (err) {
        logger.error({ err, gameId: String(gameId), requestId: String(requestId) }, "game move failed");
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
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
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
