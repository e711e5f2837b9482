/**
 * The challenger (watchtower) daemon: re-executes every claim of the models it serves with the
 * native runner. In `watch` mode it only reports (no key needed); in `defend` mode it challenges
 * wrong claims, plays each game at level 1 with `bisection/` (choose), claims the defender's
 * timeout, and withdraws what it wins. Like the submitter, every action re-reads the chain first,
 * and its data directory (the journal's) is a rebuildable cache: the event cursor with the claims
 * and games it follows (a restart resumes a reorg margin before the cursor), the re-executed
 * claims' S_0 … S_N and the disputed nodes' VM traces, which it records ahead, while the defender
 * is on move at the phase-2 opening (GameWork.ts).
 */
import {
  hexToBytes,
  isAddressEqual,
  isHex,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type Transport,
} from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { GraphStateTrace } from "../bisection/index.ts";
import { CacheContentError } from "../daemon/dataDir.ts";
import { orderGames } from "../daemon/deadline.ts";
import { isDecimal, type EventCursor } from "../daemon/eventCursor.ts";
import { daemonCache, type DaemonCacheOptions, type GamePlan, type GameWork } from "../daemon/GameWork.ts";
import type { Journal } from "../daemon/journal.ts";
import type { Logger } from "../daemon/logger.ts";
import { retry, type RetryOptions } from "../daemon/retry.ts";
import { OpmlError } from "../common/errors.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { getRequestStatus } from "../sdk/index.ts";
import {
  challengeClaim,
  requestInput,
  stepGame,
  withdrawPayouts,
  WrongRequestStateError,
} from "../sdk/operator/index.ts";
import type { ComputedClaim, ServedModel } from "../claim/ServedModel.ts";

export type ChallengerMode = "watch" | "defend";

export interface ChallengerOptions extends DaemonCacheOptions {
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

/** What the data directory keeps between runs: the claims not yet judged or with our games, and our games. */
export interface ChallengerItems {
  claims: { claimId: string; requestId: string; modelId: string; handled: boolean; input?: Hex }[];
  games: { gameId: string; claimId: string }[];
}

function decodeChallengerItems(raw: unknown): ChallengerItems {
  const r = raw as Partial<ChallengerItems> | undefined;
  const ok =
    Array.isArray(r?.claims) &&
    Array.isArray(r.games) &&
    r.claims.every(
      (x) =>
        isDecimal(x?.claimId) &&
        isDecimal(x?.requestId) &&
        isDecimal(x?.modelId) &&
        typeof x?.handled === "boolean" &&
        (x.input === undefined || isHex(x.input, { strict: true })),
    ) &&
    r.games.every((x) => isDecimal(x?.gameId) && isDecimal(x?.claimId));
  if (!ok) throw new CacheContentError("challenger items are not claims and games");
  return r as ChallengerItems;
}

interface ClaimSeen {
  requestId: bigint;
  modelId: bigint;
  input?: Hex;
  truth?: ComputedClaim;
  verdict?: Verdict;
  handled?: boolean;
}

export class ChallengerDaemon {
  readonly claims = new Map<bigint, ClaimSeen>();
  /** Our games: gameId → claimId. */
  readonly games = new Map<bigint, bigint>();
  readonly verdicts: Verdict[] = [];
  /** The data directory's caches and the deadline checks. */
  readonly work: GameWork;
  readonly cursor: EventCursor<ChallengerItems>;
  private game?: Address;
  private running = false;
  private loop?: Promise<void>;

  constructor(readonly opts: ChallengerOptions) {
    if (opts.mode === "defend" && !opts.client.account) {
      throw new ChallengerConfigError("defend mode needs a signing key", {
        details: "set --private-key or OPML_PRIVATE_KEY",
      });
    }
    ({ work: this.work, cursor: this.cursor } = daemonCache(
      opts,
      `challenger-${opts.client.account?.address.toLowerCase() ?? "watch"}`,
      decodeChallengerItems,
      (what, fn) => this.rpc(what, fn),
    ));
  }

  private items(): ChallengerItems {
    const inGames = new Set(this.games.values());
    return {
      claims: [...this.claims]
        .filter(([id, c]) => !c.handled || inGames.has(id))
        .map(([id, c]) => ({
          claimId: String(id),
          requestId: String(c.requestId),
          modelId: String(c.modelId),
          handled: c.handled ?? false,
          ...(c.input ? { input: c.input } : {}),
        })),
      games: [...this.games].map(([g, c]) => ({ gameId: String(g), claimId: String(c) })),
    };
  }

  private restoreItems(items: ChallengerItems): void {
    for (const c of items.claims) {
      this.claims.set(BigInt(c.claimId), {
        requestId: BigInt(c.requestId),
        modelId: BigInt(c.modelId),
        handled: c.handled,
        input: c.input,
      });
    }
    for (const g of items.games) this.games.set(BigInt(g.gameId), BigInt(g.claimId));
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
    const saved = await this.cursor.restore();
    if (saved) this.restoreItems(saved);
    const r = await this.cursor.range();
    if (!r) return;
    const range = { address: oracle, abi: opmlOracleAbi, fromBlock: r.fromBlock, toBlock: r.toBlock } as const;
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
    this.cursor.commit(r, this.items());
  }

  private async truthOf(c: ClaimSeen): Promise<ComputedClaim> {
    if (!c.truth) {
      c.input ??= await this.rpc("request input", () =>
        requestInput(this.opts.client, { oracle: this.opts.oracle, requestId: c.requestId }),
      );
      const served = this.opts.models.get(c.modelId)!;
      const input = hexToBytes(c.input);
      c.truth = this.work.claims.get(served, input, "honest", () => served.claim(input));
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
      // A correct claim finalizes: its S_0 … S_N are not needed again.
      if (c.verdict.correct && c.input)
        this.work.claims.release(this.opts.models.get(c.modelId)!, hexToBytes(c.input), "honest");
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

  /** Reads one of our games: how urgent it is, what VM run it needs. */
  private async planGame(gameId: bigint, claimId: bigint): Promise<GamePlan | undefined> {
    const c = this.claims.get(claimId);
    if (!c || !this.opts.models.has(c.modelId)) {
      this.opts.logger.error(
        { gameId: String(gameId), claimId: String(claimId), requestId: String(c?.requestId) },
        "our game is over a claim this daemon cannot re-execute",
      );
      this.games.delete(gameId);
      return undefined;
    }
    const truth = await this.truthOf(c);
    const args = { game: this.game!, gameId, role: "challenger" as const };
    return this.rpc("getGame", () => this.work.plan(this.opts.client, args, this.opts.models.get(c.modelId)!, truth));
  }

  private async handleGame(p: GamePlan, claimId: bigint): Promise<void> {
    const { gameId } = p;
    const c = this.claims.get(claimId)!;
    const log = this.opts.logger.child({
      gameId: String(gameId),
      claimId: String(claimId),
      requestId: String(c.requestId),
    });
    const truth = await this.truthOf(c);
    const served = this.opts.models.get(c.modelId)!;
    await this.work.prepare(p, served, truth, log);
    const out = await stepGame(this.wallet, {
      game: this.game!,
      gameId,
      role: "challenger",
      level1: new GraphStateTrace(truth.states),
      journal: this.opts.journal,
      level2: (node, depth) => this.work.traces.truth(served, truth, Number(node), depth),
      requestId: c.requestId,
    });
    if (out.kind === "resolved") {
      this.games.delete(gameId);
      if (p.view.level === 2) await this.work.traces.release(served, truth, p.view.node);
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
    if (this.opts.mode !== "defend") {
      this.cursor.save(this.items());
      return;
    }
    const plans: GamePlan[] = [];
    for (const [gameId, claimId] of this.games) {
      try {
        const p = await this.planGame(gameId, claimId);
        if (p) plans.push(p);
      } catch (err) {
        logger.error({ err, gameId: String(gameId) }, "reading the game failed");
      }
    }
    for (const p of orderGames(plans)) {
      try {
        await this.handleGame(p, this.games.get(p.gameId)!);
      } catch (err) {
        logger.error({ err, gameId: String(p.gameId) }, "game move failed");
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
