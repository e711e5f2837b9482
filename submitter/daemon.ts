/**
 * The submitter daemon: watches InferenceRequested for the models it serves, runs each request
 * with the native runner, posts the claim with its bond, defends every game opened against its
 * claims, claims timeouts, finalizes after the window and withdraws.
 *
 * The loop, the data directory, the game play and the error containment are daemon/Daemon.ts;
 * this is the submitter's policy: which events it follows, what it does per request, how it
 * defends. Everything it acts on is re-read from the chain in the same pass. A restart resumes a
 * reorg margin before the saved event cursor with the open requests (and their inputs) and games.
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
import { isDecimal, type ScanRange } from "../daemon/eventCursor.ts";
import { getRequestStatus } from "../sdk/index.ts";
import { finalizeRequest, submitClaim } from "../sdk/operator/index.ts";
import type { ComputedClaim, NodeVmTruth, ServedModel } from "../claim/ServedModel.ts";

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
  done?: boolean;
}

export class SubmitterDaemon extends Daemon<SubmitterItems, SubmitterOptions> {
  readonly requests = new Map<bigint, Tracked>();
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
        .filter(([, t]) => !t.done)
        .map(([id, t]) => ({ requestId: String(id), modelId: String(t.modelId), input: bytesToHex(t.input) })),
      games: [...this.games].map(([g, r]) => ({ gameId: String(g), requestId: String(r) })),
    };
  }

  protected restoreItems(items: SubmitterItems): void {
    for (const r of items.requests) {
      const modelId = BigInt(r.modelId);
      if (this.opts.models.has(modelId))
        this.requests.set(BigInt(r.requestId), { modelId, input: hexToBytes(r.input) });
    }
    for (const g of items.games) this.games.set(BigInt(g.gameId), BigInt(g.requestId));
  }

  /** Requests for served models; games against our claims. */
  protected async scanEvents(range: ScanRange): Promise<void> {
    const { logger } = this.opts;
    for (const log of await this.oracleEvents(range, "InferenceRequested")) {
      const { requestId, modelId, input } = log.args;
      if (requestId === undefined || modelId === undefined || typeof input !== "string") {
        logger.warn({ tx: log.transactionHash }, "malformed InferenceRequested event, skipped");
        continue;
      }
      if (!this.opts.models.has(modelId) || this.requests.has(requestId)) continue;
      this.requests.set(requestId, { modelId, input: hexToBytes(input) });
      this.metrics.requestSeen();
      logger.info({ requestId: String(requestId), modelId: String(modelId) }, "request seen");
    }
    for (const log of await this.oracleEvents(range, "ClaimChallenged")) {
      const { requestId, claimId, gameId, challenger } = log.args;
      if (requestId === undefined || claimId === undefined || gameId === undefined) continue;
      const claim = await this.readClaim(claimId);
      if (!isAddressEqual(claim.submitter, this.address) || this.games.has(gameId)) continue;
      this.games.set(gameId, requestId);
      const t = this.requests.get(requestId);
      if (t) t.done = false;
      logger.warn({ requestId: String(requestId), gameId: String(gameId), challenger }, "our claim is challenged");
    }
  }

  /** Games first (their clocks run), then every open request, then payouts. */
  protected async act(): Promise<void> {
    await this.playGames();
    for (const [requestId, t] of this.requests) {
      if (t.done) continue;
      await this.contain("request handling failed", { requestId: String(requestId) }, () =>
        this.handleRequest(requestId, t),
      );
    }
    await this.withdraw();
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
      const r = await this.send(() => submitClaim(client, { oracle, journal, requestId, ...claim }));
      this.metrics.claim("submitted");
      log.info({ claimId: String(r.claimId), tx: r.hash, output: claim.output }, "claim submitted");
    } else if (s.status === "claimed" && s.claim && isAddressEqual(s.claim.submitter, this.address)) {
      const now = await this.rpc("getBlock", () => getBlock(client));
      if (now.timestamp >= s.claim.challengeDeadline && s.claim.openGames === 0) {
        const r = await this.send(() => finalizeRequest(client, { oracle, journal, requestId }));
        this.metrics.claim("finalized");
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
    const claim = this.computed(t);
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
