/**
 * The challenger (watchtower) daemon: re-executes every claim of the models it serves with the
 * native runner. In `watch` mode it only reports (no key needed); in `defend` mode it challenges
 * wrong claims, plays each game (bisection/ decides the moves), claims the defender's timeout, and
 * withdraws what it wins.
 *
 * The loop, the data directory, the game play and the error containment are daemon/Daemon.ts;
 * this is the challenger's policy: which events it follows, how it judges a claim, what it does
 * about a wrong one. A restart resumes a reorg margin before the saved event cursor with the
 * claims not yet judged and the games it plays; the disputed nodes' VM traces are recorded ahead,
 * while the defender is on move at the phase-2 opening (GameWork.ts).
 */
import { hexToBytes, isAddressEqual, isHex, type Hex } from "viem";
import { CacheContentError } from "../daemon/dataDir.ts";
import { Daemon, type DaemonOptions, type GameSide } from "../daemon/Daemon.ts";
import { isDecimal, type ScanRange } from "../daemon/eventCursor.ts";
import { ChallengerConfigError } from "./errors.ts";
import { assertSteeringAllowed, steeredLevel1, steeredLevel2 } from "./steering.ts";
import { CLAIM_STATUS, getRequestStatus } from "../sdk/index.ts";
import { challengeClaim, requestInput, WrongRequestStateError } from "../sdk/operator/index.ts";
import type { ComputedClaim, ServedModel } from "../claim/ServedModel.ts";

export type ChallengerMode = "watch" | "defend";

export interface ChallengerOptions extends DaemonOptions {
  mode: ChallengerMode;
  /** Re-executed models by model id. */
  models: Map<bigint, ServedModel>;
  /**
   * DEVNET ONLY (the defender-load test and bench; refused on other chains): challenge every
   * claim, correct ones included, and steer each game to this node (challenger/steering.ts).
   */
  steerToNode?: number;
}

export { ChallengerConfigError };

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

export class ChallengerDaemon extends Daemon<ChallengerItems, ChallengerOptions> {
  readonly claims = new Map<bigint, ClaimSeen>();
  readonly verdicts: Verdict[] = [];

  constructor(opts: ChallengerOptions) {
    if (opts.mode === "defend" && !opts.client.account) {
      throw new ChallengerConfigError("defend mode needs a signing key", {
        details: "set --private-key or OPML_PRIVATE_KEY",
      });
    }
    if (opts.steerToNode !== undefined) {
      if (opts.mode !== "defend") throw new ChallengerConfigError("steering needs defend mode");
      assertSteeringAllowed(opts.client.chain?.id);
    }
    super(opts, {
      role: "challenger",
      stateName: `challenger-${opts.client.account?.address.toLowerCase() ?? "watch"}`,
      decodeItems: decodeChallengerItems,
      gameKey: "claimId",
    });
  }

  protected items(): ChallengerItems {
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

  protected restoreItems(items: ChallengerItems): void {
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

  /** Every claim submitted; with a key, the games we opened (after a restart, too). */
  protected async scanEvents(range: ScanRange): Promise<void> {
    const { client, oracle, logger } = this.opts;
    for (const log of await this.oracleEvents(range, "ClaimSubmitted")) {
      const { requestId, claimId } = log.args;
      if (requestId === undefined || claimId === undefined) {
        logger.warn({ tx: log.transactionHash }, "malformed ClaimSubmitted event, skipped");
        continue;
      }
      if (this.claims.has(claimId)) continue;
      const s = await this.rpc("getRequest", () => getRequestStatus(client, { oracle, requestId }));
      this.claims.set(claimId, { requestId, modelId: s.modelId });
    }
    if (!client.account) return;
    for (const log of await this.oracleEvents(range, "ClaimChallenged")) {
      const { claimId, gameId, challenger } = log.args;
      if (claimId === undefined || gameId === undefined || !challenger) continue;
      if (isAddressEqual(challenger, client.account.address) && !this.games.has(gameId)) {
        this.games.set(gameId, claimId);
        const c = this.claims.get(claimId);
        if (c) c.handled = true;
      }
    }
  }

  /** Every claim not yet handled; in defend mode, then our games and payouts. */
  protected async act(): Promise<void> {
    for (const [claimId, c] of this.claims) {
      if (c.handled) continue;
      await this.contain(
        "claim handling failed",
        { claimId: String(claimId), requestId: String(c.requestId) },
        () => this.handleClaim(claimId, c),
        (err) => {
          if (err instanceof WrongRequestStateError) c.handled = true; // the chain moved on: nothing to do
        },
      );
    }
    if (this.opts.mode !== "defend") return;
    await this.playGames();
    await this.withdraw();
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
    const { oracle, logger } = this.opts;
    const log = logger.child({ requestId: String(c.requestId), claimId: String(claimId) });
    if (!this.opts.models.has(c.modelId)) {
      // Once per claim (it is then handled): a watchtower says what it does not watch.
      log.warn({ modelId: String(c.modelId) }, "claim on a model this daemon does not serve: not checked");
      this.metrics.claim("unserved");
      c.handled = true;
      return;
    }
    if (!c.verdict) {
      const claim = await this.readClaim(claimId);
      if (CLAIM_STATUS[claim.status] === "rejected") {
        // Lost its game already (a rescan after a restart, or another challenger's win): not news.
        log.info("claim already rejected on chain: nothing to report");
        this.metrics.claim("rejected");
        c.handled = true;
        return;
      }
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
      this.metrics.claim(correct ? "correct" : "wrong");
      if (correct) log.info("claim verified: correct");
      else log.warn({ claimed: c.verdict.claimed, truth: c.verdict.truth }, "WRONG CLAIM");
    }
    const steering = this.opts.steerToNode !== undefined;
    if ((c.verdict.correct && !steering) || this.opts.mode === "watch") {
      c.handled = true;
      // A correct claim finalizes: its S_0 … S_N are not needed again.
      if (c.verdict.correct && c.input)
        this.work.claims.release(this.opts.models.get(c.modelId)!, hexToBytes(c.input), "honest");
      return;
    }
    const r = await this.send(() =>
      challengeClaim(this.wallet, { oracle, requestId: c.requestId, claimId, journal: this.opts.journal }),
    );
    c.handled = true;
    this.games.set(r.gameId, claimId);
    this.metrics.claim("challenged");
    log.warn({ gameId: String(r.gameId), tx: r.hash }, "challenged");
  }

  /** One of our games: played with our re-execution's states and the disputed node's VM trace. */
  protected async gameSide(gameId: bigint, claimId: bigint): Promise<GameSide | undefined> {
    const c = this.claims.get(claimId);
    if (!c || !this.opts.models.has(c.modelId)) {
      this.opts.logger.error(
        { gameId: String(gameId), claimId: String(claimId), requestId: String(c?.requestId) },
        "our game is over a claim this daemon cannot re-execute",
      );
      return undefined;
    }
    const claim = await this.truthOf(c);
    const node = this.opts.steerToNode;
    return {
      served: this.opts.models.get(c.modelId)!,
      claim,
      requestId: c.requestId,
      log: this.opts.logger.child({ gameId: String(gameId), claimId: String(claimId), requestId: String(c.requestId) }),
      ...(node === undefined
        ? {}
        : { steer: { level1: steeredLevel1(claim.states, node), level2: steeredLevel2 }, prepare: false }),
    };
  }
}
