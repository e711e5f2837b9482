/**
 * The challenger (watchtower) daemon: re-executes every claim of the models it serves with the
 * native runner. In `watch` mode it only reports (no key needed); in `defend` mode it challenges
 * wrong claims, plays each game at level 1 with `bisection/` (choose), claims the defender's
 * timeout, and withdraws what it wins. Like the submitter, its memory is a cache of the chain's
 * events (rescanned from `fromBlock` after a restart) and every action re-reads the chain first.
 */
import { hexToBytes, isAddressEqual, type Account, type Address, type Chain, type Client, type Transport } from "viem";
import { getBlockNumber, getContractEvents, readContract } from "viem/actions";
import { GraphStateTrace } from "../bisection/index.ts";
import { stepGame } from "../common/daemon/game.ts";
import type { Journal } from "../common/daemon/journal.ts";
import type { Logger } from "../common/daemon/logger.ts";
import { retry, type RetryOptions } from "../common/daemon/retry.ts";
import { OpmlError } from "../common/errors.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { getRequestStatus } from "../sdk/actions.ts";
import { withdrawPayouts, WrongRequestStateError } from "../submitter/actions.ts";
import type { ComputedClaim, NodeVmTruth, ServedModel } from "../submitter/claim.ts";
import { challengeClaim, requestInput } from "./actions.ts";

export type ChallengerMode = "watch" | "defend";

export interface ChallengerOptions {
  /** A wallet client in defend mode; any client in watch mode. */
  client: Client<Transport, Chain | undefined, Account | undefined>;
  oracle: Address;
  mode: ChallengerMode;
  models: Map<bigint, ServedModel>;
  logger: Logger;
  journal?: Journal;
  fromBlock?: bigint;
  pollMs?: number;
  retry?: RetryOptions;
  withdraw?: boolean;
}

export class ChallengerConfigError extends OpmlError {
  override name = "ChallengerConfigError";
}

/** What the daemon concluded about one claim. */
export interface Verdict {
  requestId: bigint;
  claimId: bigint;
  correct: boolean;
  claimed: { finalState: string; output: string };
  truth: { finalState: string; output: string };
}

interface ClaimSeen {
  requestId: bigint;
  modelId: bigint;
  truth?: ComputedClaim;
  verdict?: Verdict;
  handled?: boolean;
}

export class ChallengerDaemon {
  readonly claims = new Map<bigint, ClaimSeen>();
  /** Our games: gameId → claimId. */
  readonly games = new Map<bigint, bigint>();
  readonly verdicts: Verdict[] = [];
  /** Level-2 truth per game and node (VM traces with snapshots): a cache. */
  private readonly vmTruths = new Map<string, Promise<NodeVmTruth>>();
  private cursor: bigint;
  private game?: Address;
  private running = false;
  private loop?: Promise<void>;

  constructor(readonly opts: ChallengerOptions) {
    if (opts.mode === "defend" && !opts.client.account) {
      throw new ChallengerConfigError("defend mode needs a signing key", {
        details: "set --private-key or OPML_PRIVATE_KEY",
      });
    }
    this.cursor = opts.fromBlock ?? 0n;
  }

  private get wallet(): Client<Transport, Chain | undefined, Account> {
    return this.opts.client as Client<Transport, Chain | undefined, Account>;
  }

  private rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retry(what, fn, {
      ...this.opts.retry,
      onRetry: (err, attempt) => this.opts.logger.warn({ err, attempt }, `retrying ${what}`),
    });
  }

  private async scan(): Promise<void> {
    const { client, oracle, logger } = this.opts;
    this.game ??= await this.rpc("disputeGame", () =>
      readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "disputeGame" }),
    );
    const head = await this.rpc("blockNumber", () => getBlockNumber(client, { cacheTime: 0 }));
    if (head < this.cursor) return;
    const range = { address: oracle, abi: opmlOracleAbi, fromBlock: this.cursor, toBlock: head } as const;
    const submitted = await this.rpc("ClaimSubmitted logs", () =>
      getContractEvents(client, { ...range, eventName: "ClaimSubmitted" }),
    );
    for (const log of submitted) {
      const { requestId, claimId } = log.args;
      if (requestId === undefined || claimId === undefined) {
        logger.warn({ tx: log.transactionHash }, "malformed ClaimSubmitted event, skipped");
        continue;
      }
      if (this.claims.has(claimId)) continue;
      const s = await this.rpc("getRequest", () => getRequestStatus(client, { oracle, requestId }));
      this.claims.set(claimId, { requestId, modelId: s.modelId });
    }
    if (client.account) {
      const challenged = await this.rpc("ClaimChallenged logs", () =>
        getContractEvents(client, { ...range, eventName: "ClaimChallenged" }),
      );
      for (const log of challenged) {
        const { claimId, gameId, challenger } = log.args;
        if (claimId === undefined || gameId === undefined || !challenger) continue;
        if (isAddressEqual(challenger, client.account.address) && !this.games.has(gameId)) {
          this.games.set(gameId, claimId);
          const c = this.claims.get(claimId);
          if (c) c.handled = true;
        }
      }
    }
    this.cursor = head + 1n;
  }

  private async truthOf(c: ClaimSeen): Promise<ComputedClaim> {
    if (!c.truth) {
      const input = await this.rpc("request input", () =>
        requestInput(this.opts.client, { oracle: this.opts.oracle, requestId: c.requestId }),
      );
      c.truth = this.opts.models.get(c.modelId)!.claim(hexToBytes(input));
    }
    return c.truth;
  }

  private async handleClaim(claimId: bigint, c: ClaimSeen): Promise<void> {
    const { client, oracle, logger } = this.opts;
    const log = logger.child({ requestId: String(c.requestId), claimId: String(claimId) });
    if (!this.opts.models.has(c.modelId)) {
      log.debug({ modelId: String(c.modelId) }, "claim for a model this daemon does not serve");
      c.handled = true;
      return;
    }
    if (!c.verdict) {
      const claim = await this.rpc("getClaim", () =>
        readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "getClaim", args: [claimId] }),
      );
      const truth = await this.truthOf(c);
      const correct = claim.finalState.toLowerCase() === truth.finalState.toLowerCase();
      c.verdict = {
        requestId: c.requestId,
        claimId,
        correct,
        claimed: { finalState: claim.finalState, output: claim.output },
        truth: { finalState: truth.finalState, output: truth.output },
      };
      this.verdicts.push(c.verdict);
      if (correct) log.info("claim verified: correct");
      else log.warn({ claimed: c.verdict.claimed, truth: c.verdict.truth }, "WRONG CLAIM");
    }
    if (c.verdict.correct || this.opts.mode === "watch") {
      c.handled = true;
      return;
    }
    const r = await challengeClaim(this.wallet, {
      oracle,
      requestId: c.requestId,
      claimId,
      journal: this.opts.journal,
    });
    c.handled = true;
    this.games.set(r.gameId, claimId);
    log.warn({ gameId: String(r.gameId), tx: r.hash }, "challenged");
  }

  private async handleGame(gameId: bigint, claimId: bigint): Promise<void> {
    const c = this.claims.get(claimId);
    const log = this.opts.logger.child({
      gameId: String(gameId),
      claimId: String(claimId),
      requestId: String(c?.requestId),
    });
    if (!c || !this.opts.models.has(c.modelId)) {
      log.error("our game is over a claim this daemon cannot re-execute");
      this.games.delete(gameId);
      return;
    }
    const truth = await this.truthOf(c);
    const out = await stepGame(this.wallet, {
      game: this.game!,
      gameId,
      role: "challenger",
      level1: new GraphStateTrace(truth.states),
      journal: this.opts.journal,
      level2: (node, depth) => {
        const key = `${gameId}:${node}`;
        let v = this.vmTruths.get(key);
        if (!v) {
          v = this.opts.models.get(c.modelId)!.nodeVm(truth, Number(node), depth);
          this.vmTruths.set(key, v);
        }
        return v;
      },
      requestId: c.requestId,
    });
    if (out.kind === "resolved") {
      this.games.delete(gameId);
      for (const key of this.vmTruths.keys()) if (key.startsWith(`${gameId}:`)) this.vmTruths.delete(key);
      log.info({ challengerWon: out.status === 3 }, "game resolved");
    } else if (out.kind === "sent") log.info({ move: out.move, tx: out.hash, detail: out.detail }, "game move");
    else if (out.kind === "agree")
      log.error("every posted state agrees with our run: nothing to dispute (wrong trace?)");
    else if (out.kind === "unsupported")
      log.warn({ phase: out.phase, level: out.level }, "game phase not playable by this daemon yet");
  }

  async tick(): Promise<void> {
    const { logger } = this.opts;
    try {
      await this.scan();
    } catch (err) {
      logger.error({ err }, "scan failed; will retry");
    }
    for (const [claimId, c] of this.claims) {
      if (c.handled) continue;
      try {
        await this.handleClaim(claimId, c);
      } catch (err) {
        if (err instanceof WrongRequestStateError) c.handled = true; // the chain moved on: nothing to do
        logger.error({ err, claimId: String(claimId), requestId: String(c.requestId) }, "claim handling failed");
      }
    }
    if (this.opts.mode !== "defend") return;
    for (const [gameId, claimId] of this.games) {
      try {
        await this.handleGame(gameId, claimId);
      } catch (err) {
        logger.error({ err, gameId: String(gameId) }, "game move failed");
      }
    }
    if (this.opts.withdraw !== false) {
      try {
        const got = await withdrawPayouts(this.wallet, { oracle: this.opts.oracle, journal: this.opts.journal });
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
