/**
 * The loop both daemons run; a role (submitter/, challenger/) configures it with what to scan and
 * what to do per item. Each pass (`tick`) scans the oracle's new events from the event cursor,
 * lets the role act on its open items, plays its games most urgent first and withdraws what it
 * won, then saves the cursor with the open items. The loop owns what every role needs around
 * that: start and stop, the poll interval, RPC timeouts and retries, the data directory's caches,
 * and error containment: a part of a pass that fails is logged (error level, with a typed error)
 * and retried next pass, never fatal. A raw client error is never logged as is: a viem contract
 * error carries the contract's whole ABI.
 *
 * Scanning is apart from acting: a pass reads the new events, then starts tasks (a game's next
 * move, a claim, a finalization, a withdrawal), each of its own, and ends without waiting for them;
 * an item with a task under way is skipped by later passes until it ends. So a poll reads new
 * events however long a transaction or a VM run takes. A game move waits for the VM run it needs
 * (scheduled by deadline across every game, daemon/vmScheduler.ts) while the other tasks go on.
 * Every transaction goes through one pipeline per signer (daemon/txPipeline.ts): many in flight at
 * once, sent by priority (moves by deadline, then claims, then finalizations and withdrawals) when
 * the cap on transactions in flight is reached. `tick` waits for the tasks, so that a pass driven
 * by hand is complete.
 */
import type { Account, Address, Chain, Client, ContractEventName, Transport } from "viem";
import { getBalance, getContractEvents, readContract } from "viem/actions";
import { GameStatus, GraphStateTrace, Phase, type GameView, type TraceProvider } from "../bisection/index.ts";
import type { ComputedClaim, ServedModel } from "../claim/ServedModel.ts";
import { OpmlError } from "../common/errors.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import {
  GameMoveError,
  stepGame,
  withdrawPayouts,
  type GameRole,
  type StepGameParameters,
} from "../sdk/operator/index.ts";
import { orderGames, type DeadlinePolicy } from "./deadline.ts";
import { EventCursor, type ScanRange } from "./eventCursor.ts";
import { GameWork, type GamePlan } from "./GameWork.ts";
import { VmJobCancelledError } from "./vmScheduler.ts";
import type { Journal } from "./journal.ts";
import type { Logger } from "./logger.ts";
import { DaemonMetrics } from "./metrics.ts";
import { PassBackoff, retry, type RetryOptions } from "./retry.ts";
import { logStartupSummary } from "./startupSummary.ts";
import { TxPipeline } from "./txPipeline.ts";

type AnyClient = Client<Transport, Chain | undefined, Account | undefined>;
type WalletClient = Client<Transport, Chain | undefined, Account>;

/** What every daemon is configured with; a role adds its own. */
export interface DaemonOptions {
  /** Signs in the roles that send; a read-only client for a challenger that only watches. */
  client: AnyClient;
  oracle: Address;
  logger: Logger;
  journal?: Journal;
  /** First block to scan for events (default 0). */
  fromBlock?: bigint;
  /** Pause between passes in ms (default 1000). */
  pollMs?: number;
  retry?: RetryOptions;
  /** Withdraw credited payouts each pass (default true). */
  withdraw?: boolean;
  /** The data directory (caches, event cursor); default: the journal's. */
  dataDir?: string;
  /** Blocks rescanned before the saved cursor after a restart (default 12). */
  reorgMargin?: bigint;
  deadline?: DeadlinePolicy;
  /** This machine's VM speed; measured at start-up when not given. */
  stepsPerSecond?: number;
  /** Transactions sent and not yet mined, at most (default 256). */
  maxInFlight?: number;
  /** A transaction not mined this long after it was sent is re-sent with higher fees (default 12 s). */
  bumpAfterMs?: number;
  /** The models served by id (named in the start-up summary). */
  models?: ReadonlyMap<bigint, ServedModel>;
  /** Where the loop reports (daemon/metrics.ts); default: a registry of its own. */
  metrics?: DaemonMetrics;
}

/** How a role sets up the loop. */
export interface DaemonRole<Items> {
  /** The side it plays in its games. */
  role: GameRole;
  /** Names the event cursor's state file (one per role and signer). */
  stateName: string;
  /** Checks the items a previous run saved (throws CacheContentError when they are not that). */
  decodeItems: (raw: unknown) => Items;
  /** What the `games` map holds for each game, in log lines: the request or the claim it is over. */
  gameKey: "requestId" | "claimId";
}

/** What a role plays one game with. */
export interface GameSide {
  served: ServedModel;
  /** This party's truth: the defender's own claim, the challenger's re-execution. */
  claim: ComputedClaim;
  requestId: bigint;
  /** Carries the game's ids on every line. */
  log: Logger;
  /** Check the clock and trace ahead before the move (default true). */
  prepare?: boolean;
  /** Level-2 truth; default: the node's VM trace from the data directory. */
  level2?: StepGameParameters["level2"];
  openPhase2?: StepGameParameters["openPhase2"];
  /** After the game resolved: the role's own clean-up. */
  onResolved?: () => void;
  /**
   * DEVNET ONLY (challenger/steering.ts): choices from these providers instead of this party's
   * truth, level 2 built from the game's view; the final step is left to the defender.
   */
  steer?: {
    level1: TraceProvider;
    level2: (view: GameView, stepDepth: bigint) => TraceProvider;
  };
}

/**
 * A failure of a part of a pass that is not one of opML's typed errors (a viem error, a runtime
 * error), as it is logged: its class name and short message, the error itself as the cause.
 */
export class DaemonPassError extends OpmlError {
  override name = "DaemonPassError";
  /** The underlying error's class name. */
  readonly causeName: string;
  constructor(cause: unknown) {
    const e = cause instanceof Error ? (cause as Error & { shortMessage?: string }) : undefined;
    const causeName = e?.name ?? typeof cause;
    super(`${causeName}: ${e?.shortMessage ?? e?.message ?? String(cause)}`, { cause });
    this.causeName = causeName;
  }
}

/** An error as a daemon logs it: opML's typed errors as they are, any other wrapped in a {@link DaemonPassError}. */
export function loggedError(err: unknown): OpmlError {
  return err instanceof OpmlError ? err : new DaemonPassError(err);
}

export abstract class Daemon<Items, Options extends DaemonOptions = DaemonOptions> {
  /** The data directory's caches and the deadline checks. */
  readonly work: GameWork;
  readonly cursor: EventCursor<Items>;
  /** Our games: gameId → the request (submitter) or claim (challenger) it is over. */
  readonly games = new Map<bigint, bigint>();
  /** The oracle's DisputeGame, read at the first scan. */
  protected game?: Address;
  private running = false;
  private loop?: Promise<void>;
  /** The task under way per item (`game:<id>`, `request:<id>`, ...): an item has one at a time. */
  private readonly tasks = new Map<string, Promise<void>>();
  /** The signer's transactions; undefined for a daemon that only watches. */
  readonly pipeline?: TxPipeline;
  private recovered = false;
  private withdrawAgain = false;
  private sleeping?: { timer: NodeJS.Timeout; wake: () => void };
  /** Games whose last move failed: retried after a back-off in passes. */
  private readonly moveBackoff = new PassBackoff<bigint>();
  /** Prometheus metrics and health (daemon/metrics.ts). */
  readonly metrics: DaemonMetrics;

  constructor(
    readonly opts: Options,
    private readonly setup: DaemonRole<Items>,
  ) {
    this.metrics = opts.metrics ?? new DaemonMetrics();
    this.work = new GameWork({
      dir: opts.dataDir ?? opts.journal?.dir,
      logger: opts.logger,
      deadline: opts.deadline,
      stepsPerSecond: opts.stepsPerSecond,
    });
    this.cursor = new EventCursor({
      client: opts.client,
      contract: opts.oracle,
      role: setup.stateName,
      dataDir: this.work.dataDir,
      fromBlock: opts.fromBlock ?? 0n,
      reorgMargin: opts.reorgMargin,
      logger: opts.logger,
      decodeItems: setup.decodeItems,
      rpc: (what, fn) => this.rpc(what, fn),
    });
    if (opts.client.account)
      this.pipeline = new TxPipeline({
        client: opts.client as WalletClient,
        logger: opts.logger,
        journal: opts.journal,
        maxInFlight: opts.maxInFlight,
        bumpAfterMs: opts.bumpAfterMs,
        rpc: (what, fn) => this.rpc(what, fn),
      });
  }

  // ---- the role's policy

  /** The open items, as the data directory keeps them. */
  protected abstract items(): Items;
  /** Takes back the items a previous run saved. */
  protected abstract restoreItems(items: Items): void;
  /** Reads the oracle's events in one scanned range (with {@link oracleEvents}). */
  protected abstract scanEvents(range: ScanRange): Promise<void>;
  /**
   * Everything the role does in a pass after the scan, in its order: its items (each in
   * {@link contain}), {@link playGames}, {@link withdraw}.
   */
  protected abstract act(): Promise<void>;
  /** What to play game `gameId` with; undefined (logged by the role) drops a game it cannot play. */
  protected abstract gameSide(gameId: bigint, key: bigint): Promise<GameSide | undefined>;

  // ---- the loop

  /**
   * One pass (scan, act, save), then waits for the game moves it started. Never throws: each
   * part's failure is logged and retried next pass.
   */
  async tick(): Promise<void> {
    this.pipeline?.resume();
    await this.pass();
    await this.settled();
    // The VM runs the pass queued, traced ahead ones included: a pass driven by hand is complete.
    await this.work.traces.scheduler.idle();
    // The balance after the pass's transactions, not before them.
    await this.contain("reading the balance failed", {}, () => this.readBalance());
    this.cursor.save(this.items());
  }

  /** Resolves once no task (game move, claim, finalization, withdrawal...) is under way. */
  async settled(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all(this.tasks.values());
  }

  /** Scan, act, save; game moves started by `act` may still be under way. Whether the scan read the chain. */
  private async pass(): Promise<boolean> {
    let scanned = false;
    await this.contain("scan failed; will retry", {}, async () => {
      await this.scan();
      scanned = true;
    });
    await this.contain("pass failed; will retry", {}, () => this.act());
    await this.contain("reading the balance failed", {}, () => this.readBalance());
    this.cursor.save(this.items());
    this.metrics.openGames(this.games.keys());
    this.metrics.passEnded(scanned, this.cursor.nextBlock - 1n);
    return scanned;
  }

  /**
   * Runs passes every `pollMs` until {@link stop}; measures the VM speed once first, for the
   * deadline checks, and logs the start-up summary after the first pass that read the chain.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.pipeline?.resume();
    this.loop = (async () => {
      this.metrics.vmSpeed(await this.work.stepsPerSecond());
      let summarized = false;
      while (this.running) {
        let scanned = false;
        await this.contain("pass failed; will retry", {}, async () => {
          scanned = await this.pass();
        });
        if (scanned && !summarized)
          await this.contain("start-up summary failed; will retry", {}, async () => {
            await this.logStartupSummary();
            summarized = true;
          });
        if (this.running)
          await new Promise<void>((wake) => {
            this.sleeping = { timer: setTimeout(wake, this.opts.pollMs ?? 1000), wake };
          });
      }
    })();
  }

  /**
   * Ends the loop after the pass under way (a pause between passes is cut short); VM runs not yet
   * finished are cancelled (their games are picked up again at the next start, the traces already
   * recorded are in the data directory), moves already sending are waited for.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    await this.loop;
    this.work.traces.scheduler.cancelAll("the daemon stops");
    this.pipeline?.stop();
    await this.settled();
  }

  // ---- what a role's policy builds on

  /** Runs `fn`; a failure is logged at error level with `fields` and a typed error, never thrown. */
  protected async contain(
    msg: string,
    fields: Record<string, unknown>,
    fn: () => Promise<void>,
    onError?: (err: unknown) => void,
  ): Promise<void> {
    try {
      await fn();
    } catch (err) {
      onError?.(err);
      this.opts.logger.error({ err: loggedError(err), ...fields }, msg);
    }
  }

  /** Whether item `key` has a task under way. */
  protected busy(key: string): boolean {
    return this.tasks.has(key);
  }

  /** How many tasks are under way. */
  protected get taskCount(): number {
    return this.tasks.size;
  }

  /**
   * Runs `fn` as item `key`'s task, not awaited by the pass (see the class comment): contained as
   * {@link contain} does; the item is busy until it ends.
   */
  protected startTask(
    key: string,
    msg: string,
    fields: Record<string, unknown>,
    fn: () => Promise<void>,
    onError?: (err: unknown) => void,
  ): void {
    if (this.tasks.has(key)) return;
    const task = this.contain(msg, fields, fn, onError).finally(() => this.tasks.delete(key));
    this.tasks.set(key, task);
  }

  /** An RPC with the configured timeout and bounded retries; each retry is logged (warn). */
  protected rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retry(what, fn, {
      ...this.opts.retry,
      onRetry: (err, attempt) => {
        this.metrics.rpcError(what);
        this.opts.logger.warn({ err: loggedError(err), attempt }, `retrying ${what}`);
      },
    }).catch((err: unknown) => {
      this.metrics.rpcError(what);
      throw err;
    });
  }

  /**
   * Logs what this daemon runs with, once its first pass has read the chain: models, open games,
   * balance against the bond, the block synced to (daemon/startupSummary.ts).
   */
  protected logStartupSummary(): Promise<void> {
    return logStartupSummary({
      role: this.setup.role,
      client: this.opts.client,
      oracle: this.opts.oracle,
      models: this.opts.models ?? new Map(),
      games: this.games,
      gameKey: this.setup.gameKey,
      syncedBlock: this.cursor.nextBlock - 1n,
      logger: this.opts.logger,
      metrics: this.metrics,
      rpc: (what, fn) => this.rpc(what, fn),
    });
  }

  /** The signer's balance, for the metrics (a watching daemon has none). */
  private async readBalance(): Promise<void> {
    const address = this.opts.client.account?.address;
    if (address) this.metrics.balance(await this.rpc("getBalance", () => getBalance(this.opts.client, { address })));
  }

  /** The oracle's `eventName` logs in `range`. */
  protected oracleEvents<const N extends ContractEventName<typeof opmlOracleAbi>>(range: ScanRange, eventName: N) {
    const { client, oracle } = this.opts;
    return this.rpc(`${eventName} logs`, () =>
      getContractEvents(client, {
        address: oracle,
        abi: opmlOracleAbi,
        eventName,
        fromBlock: range.fromBlock,
        toBlock: range.toBlock,
      }),
    );
  }

  /** Every oracle event in `range`, in chain order: one RPC for the whole view. */
  protected allOracleEvents(range: ScanRange) {
    const { client, oracle } = this.opts;
    return this.rpc("oracle logs", () =>
      getContractEvents(client, {
        address: oracle,
        abi: opmlOracleAbi,
        fromBlock: range.fromBlock,
        toBlock: range.toBlock,
      }),
    );
  }

  /** The oracle's claim `claimId`. */
  protected readClaim(claimId: bigint) {
    const { client, oracle } = this.opts;
    return this.rpc("getClaim", () =>
      readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "getClaim", args: [claimId] }),
    );
  }

  /** The client, as the signing client the sending actions take (a role sends only when it has one). */
  protected get wallet(): WalletClient {
    return this.opts.client as WalletClient;
  }

  /**
   * Reads each of our games with no move under way, then starts their moves most urgent first
   * (deadline.ts), each as a task of its own (see the class comment).
   */
  protected async playGames(): Promise<void> {
    const planned = new Map<GamePlan, GameSide>();
    for (const [gameId, key] of this.games) {
      if (this.busy(`game:${gameId}`) || this.moveBackoff.waiting(gameId)) continue;
      await this.contain("reading the game failed", this.gameFields(gameId, key), async () => {
        const side = await this.gameSide(gameId, key);
        if (!side) {
          this.games.delete(gameId);
          return;
        }
        const args = { game: this.game!, gameId, role: this.setup.role };
        const plan = await this.rpc("getGame", () => this.work.plan(this.opts.client, args, side.served, side.claim));
        this.metrics.gameRead(gameId, plan.view, plan.ourMove, plan.clockLeftS);
        planned.set(plan, side);
      });
    }
    for (const p of orderGames([...planned.keys()])) {
      const fields = this.gameFields(p.gameId, this.games.get(p.gameId)!);
      const key = `game:${p.gameId}`;
      if (this.tasks.has(key)) continue;
      const task = this.playGame(p, planned.get(p)!)
        .then(
          () => this.moveBackoff.succeeded(p.gameId),
          (err: unknown) => {
            if (err instanceof VmJobCancelledError && !this.running) return; // stopping: resumed at the next start
            this.moveFailed(p, fields, err);
          },
        )
        .finally(() => this.tasks.delete(key));
      this.tasks.set(key, task);
    }
  }

  /**
   * Withdraws the payouts credited to us (a task: see {@link startTask}), unless configured not
   * to; called while one is under way, that one withdraws again when it ends (a finalization's
   * payout is not left for the next pass).
   */
  protected withdraw(): void {
    if (this.opts.withdraw === false) return;
    if (this.busy("withdraw")) {
      this.withdrawAgain = true;
      return;
    }
    this.startTask("withdraw", "withdraw failed", {}, async () => {
      do {
        this.withdrawAgain = false;
        const got = await withdrawPayouts(this.wallet, {
          oracle: this.opts.oracle,
          journal: this.opts.journal,
          sender: this.pipeline,
        });
        if (got > 0n) this.opts.logger.info({ amount: got.toString() }, "payouts withdrawn");
      } while (this.withdrawAgain);
    });
  }

  // ---- internals

  /**
   * One structured line per failed move: the game's ids, the error, the failures in a row and the
   * back-off before the next try (doubling in passes, at most a minute and a quarter of our clock).
   */
  private moveFailed(p: GamePlan, fields: Record<string, string>, err: unknown): void {
    const pollMs = this.opts.pollMs ?? 1000;
    const capMs = Math.min(60_000, p.clockLeftS * 250);
    const { failures, skipPasses } = this.moveBackoff.failed(p.gameId, capMs / pollMs);
    this.metrics.moveFailed();
    this.opts.logger.error(
      { err: loggedError(err), ...fields, failures, retryInMs: (skipPasses + 1) * pollMs },
      "game move failed",
    );
  }

  private gameFields(gameId: bigint, key: bigint): Record<string, string> {
    return { gameId: String(gameId), [this.setup.gameKey]: String(key) };
  }

  /** Reads the DisputeGame's address once, restores saved items, then scans new blocks and moves the cursor. */
  private async scan(): Promise<void> {
    const { client, oracle } = this.opts;
    this.game ??= await this.rpc("disputeGame", () =>
      readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "disputeGame" }),
    );
    if (!this.recovered) {
      // Transactions a previous run left in flight: settled from the chain, or watched.
      await this.pipeline?.recover();
      this.recovered = true;
    }
    const saved = await this.cursor.restore();
    if (saved) this.restoreItems(saved);
    const r = await this.cursor.range();
    if (!r) return;
    await this.scanEvents(r);
    this.cursor.commit(r, this.items());
  }

  /** One move in one game (stepGame), after the deadline check; logs what happened. */
  private async playGame(p: GamePlan, side: GameSide): Promise<void> {
    const { served, claim, log } = side;
    const role = this.setup.role;
    const steer = side.steer;
    if (steer && p.view.phase === Phase.Step) return; // a steering challenger holds no VM run to step with
    if (side.prepare !== false) await this.work.prepare(p, served, claim, log);
    const level2: StepGameParameters["level2"] = steer
      ? (_node, depth) =>
          Promise.resolve({
            provider: steer.level2(p.view, depth),
            stepArgs: () => {
              throw new GameMoveError("a steering challenger does not execute steps");
            },
          })
      : (side.level2 ?? ((node, depth) => this.work.traces.truth(served, claim, Number(node), depth)));
    const out = await stepGame(this.wallet, {
      game: this.game!,
      gameId: p.gameId,
      role,
      level1: steer?.level1 ?? new GraphStateTrace(claim.states),
      journal: this.opts.journal,
      sender: this.pipeline,
      level2,
      requestId: side.requestId,
      openPhase2: side.openPhase2,
    });
    if (out.kind === "resolved") {
      this.games.delete(p.gameId);
      this.metrics.gameResolved(
        p.gameId,
        out.status === (role === "defender" ? GameStatus.DefenderWon : GameStatus.ChallengerWon),
      );
      side.onResolved?.();
      if (p.view.level === 2) await this.work.traces.release(served, claim, p.view.node);
      const won =
        role === "defender"
          ? { defenderWon: out.status === GameStatus.DefenderWon }
          : { challengerWon: out.status === GameStatus.ChallengerWon };
      log.info(won, "game resolved");
    } else if (out.kind === "sent") {
      this.metrics.moveSent(out.move);
      log.info({ move: out.move, tx: out.hash, detail: out.detail }, "game move");
    } else if (out.kind === "agree")
      log.error("every posted state agrees with our run: nothing to dispute (wrong trace?)");
    else if (out.kind === "unsupported")
      log.warn({ phase: out.phase, level: out.level }, "game phase not playable by this daemon yet");
  }
}
