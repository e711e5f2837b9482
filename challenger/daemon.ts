/**
 * The challenger (watchtower) daemon: re-executes every claim of the models it serves with the
 * native runner. In `watch` mode it only reports (no key needed); in `defend` mode it challenges
 * wrong claims, plays each game (bisection/ decides the moves), claims the defender's timeout, and
 * withdraws what it wins. A claim on a request whose input the model cannot run is wrong: it is
 * re-executed once, reported once (daemon/failedRuns.ts) and not challenged.
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
import { FailedRuns, type RunFailure } from "../daemon/failedRuns.ts";
import { isDecimal, type ScanRange } from "../daemon/eventCursor.ts";
import { ChallengerConfigError } from "./errors.ts";
import { assertSteeringAllowed, steeredLevel1, steeredLevel2 } from "./steering.ts";
import { CLAIM_STATUS, getRequestStatus } from "../sdk/index.ts";
import { challengeClaim, requestInput, WrongRequestStateError } from "../sdk/operator/index.ts";
import type { ComputedClaim, ServedModel } from "../claim/ServedModel.ts";

export type ChallengerMode = "watch" | "defend";

/** Verdicts kept in memory (the oldest go first). */
export const VERDICTS_KEPT = 10_000;
/** Requests remembered from their InferenceRequested event until claimed (the oldest go first). */
export const REQUESTS_KEPT = 10_000;

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
  /** Our re-execution; absent when the model cannot run the request's input ({@link failure}). */
  truth?: { finalState: string; output: string };
  /** Why no valid claim exists: the honest run's deterministic failure (protocol.md §8.2.1). */
  failure?: RunFailure;
}

/** The one line a claim on a request whose input the model cannot run gets. */
const UNRUNNABLE = "WRONG CLAIM: the model cannot run this request's input, no valid claim exists";

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
  /** What was claimed, from its ClaimSubmitted event (read from the chain when not seen). */
  claimed?: { finalState: Hex; output: Hex };
  /** Its ClaimRejected event was seen: it lost a game already. */
  rejected?: boolean;
  truth?: ComputedClaim;
  verdict?: Verdict;
  handled?: boolean;
}

export class ChallengerDaemon extends Daemon<ChallengerItems, ChallengerOptions> {
  /** Claims not yet judged, and those our games are over. */
  readonly claims = new Map<bigint, ClaimSeen>();
  /** The latest verdicts (at most {@link VERDICTS_KEPT}). */
  readonly verdicts: Verdict[] = [];
  /** Inputs the model cannot run, each run once (daemon/failedRuns.ts). */
  readonly failures = new FailedRuns(this.work.dataDir);
  /** Served models' requests seen in events, by request id, until their claim (at most {@link REQUESTS_KEPT}). */
  private readonly requested = new Map<bigint, { modelId: bigint; input: Hex }>();

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

  /**
   * Every claim submitted, with what it claims and (from the request's event when seen) its input;
   * with a key, the games we opened (after a restart, too). One log read per scan.
   */
  protected async scanEvents(range: ScanRange): Promise<void> {
    const { client, oracle, logger } = this.opts;
    for (const log of await this.allOracleEvents(range)) {
      if (log.eventName === "InferenceRequested") {
        const { requestId, modelId, input } = log.args;
        if (requestId === undefined || modelId === undefined || typeof input !== "string") continue;
        if (!this.opts.models.has(modelId)) continue;
        this.requested.set(requestId, { modelId, input });
        if (this.requested.size > REQUESTS_KEPT) this.requested.delete(this.requested.keys().next().value!);
      } else if (log.eventName === "ClaimSubmitted") {
        const { requestId, claimId, finalState, output } = log.args;
        if (requestId === undefined || claimId === undefined) {
          logger.warn({ tx: log.transactionHash }, "malformed ClaimSubmitted event, skipped");
          continue;
        }
        if (this.claims.has(claimId)) continue;
        const req = this.requested.get(requestId);
        const modelId =
          req?.modelId ?? (await this.rpc("getRequest", () => getRequestStatus(client, { oracle, requestId }))).modelId;
        this.claims.set(claimId, {
          requestId,
          modelId,
          input: req?.input,
          claimed: finalState && output ? { finalState, output } : undefined,
        });
      } else if (log.eventName === "ClaimRejected") {
        const c = log.args.claimId === undefined ? undefined : this.claims.get(log.args.claimId);
        if (c) c.rejected = true;
      } else if (log.eventName === "ClaimChallenged" && client.account) {
        const { claimId, gameId, challenger } = log.args;
        if (claimId === undefined || gameId === undefined || !challenger) continue;
        if (isAddressEqual(challenger, client.account.address) && !this.games.has(gameId)) {
          this.games.set(gameId, claimId);
          const c = this.claims.get(claimId);
          if (c) c.handled = true;
        }
      }
    }
  }

  /**
   * Every claim not yet judged (each a task of its own: a challenge's transaction does not hold
   * up the next claim); in defend mode, then our games and payouts. A claim judged and not
   * disputed by us is forgotten (its verdict is kept).
   */
  protected async act(): Promise<void> {
    const inGames = new Set(this.games.values());
    for (const [claimId, c] of this.claims) {
      if (c.handled) {
        if (!inGames.has(claimId) && !this.busy(`claim:${claimId}`)) this.claims.delete(claimId);
        continue;
      }
      this.startTask(
        `claim:${claimId}`,
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
    this.withdraw();
  }

  /**
   * Our re-execution of the claim's request, computed once; undefined when the model cannot run
   * its input (failedRuns.ts: recorded in the data directory, logged once per claim, never re-run).
   */
  private async truthOf(claimId: bigint, c: ClaimSeen): Promise<ComputedClaim | undefined> {
    if (!c.truth) {
      c.input ??= await this.rpc("request input", () =>
        requestInput(this.opts.client, { oracle: this.opts.oracle, requestId: c.requestId }),
      );
      const served = this.opts.models.get(c.modelId)!;
      const input = hexToBytes(c.input);
      const log = this.opts.logger.child({ requestId: String(c.requestId), claimId: String(claimId) });
      c.truth = this.failures.run(served, input, `claim ${this.opts.oracle}:${claimId}`, log, UNRUNNABLE, () =>
        this.work.claims.get(served, input, "honest", () => served.claim(input)),
      );
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
      let claim: { finalState: Hex; output: Hex };
      let rejected = c.rejected === true;
      if (c.claimed) claim = c.claimed;
      else {
        const read = await this.readClaim(claimId);
        claim = read;
        rejected ||= CLAIM_STATUS[read.status] === "rejected";
      }
      if (rejected) {
        // Lost its game already (a rescan after a restart, or another challenger's win): not news.
        log.info("claim already rejected on chain: nothing to report");
        this.metrics.claim("rejected");
        c.handled = true;
        return;
      }
      const truth = await this.truthOf(claimId, c);
      if (!truth) {
        // No valid claim exists (protocol.md §8.2.1): wrong, reported once (above), not challenged.
        const failure = this.failures.get(this.opts.models.get(c.modelId)!, hexToBytes(c.input!)); // truthOf read it
        const claimed = { finalState: claim.finalState, output: claim.output };
        c.verdict = { requestId: c.requestId, claimId, correct: false, claimed, failure };
        this.verdicts.push(c.verdict);
        if (this.verdicts.length > VERDICTS_KEPT) this.verdicts.shift();
        this.requested.delete(c.requestId);
        this.metrics.claim("wrong");
        c.handled = true;
        return;
      }
      const correct = claim.finalState.toLowerCase() === truth.finalState.toLowerCase();
      c.verdict = {
        requestId: c.requestId,
        claimId,
        correct,
        claimed: { finalState: claim.finalState, output: claim.output },
        truth: { finalState: truth.finalState, output: truth.output },
      };
      this.verdicts.push(c.verdict);
      if (this.verdicts.length > VERDICTS_KEPT) this.verdicts.shift();
      this.requested.delete(c.requestId);
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
    const r = await challengeClaim(this.wallet, {
      oracle,
      requestId: c.requestId,
      claimId,
      journal: this.opts.journal,
      sender: this.pipeline,
    });
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
    const claim = await this.truthOf(claimId, c);
    if (!claim) return undefined; // we never challenge a claim we cannot re-execute
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
