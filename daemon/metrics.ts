/**
 * A daemon's Prometheus metrics (prom-client) and its health, as one small interface the loop and
 * the roles call (`metrics.requestSeen()`, `metrics.moveSent(…)`, …). Each daemon has its own
 * registry, so that several daemons in one process (tests, the demo) never mix their figures;
 * daemon/metricsServer.ts serves it on `/metrics` and the health on `/healthz`.
 *
 * Health: a daemon is healthy when a pass has read the chain (its event scan succeeded) within
 * `staleMs` and fewer than {@link FAILED_SCANS_UNHEALTHY} scans in a row have failed: a loop that
 * stopped passing, or passes against an RPC that keeps failing, answers 503 with the reason.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { Phase, type GameView } from "../bisection/index.ts";

/** What happened to a claim, from the role's side (the `event` label of `opml_claims_total`). */
export type ClaimEvent =
  /** submitter: posted with its bond */
  | "submitted"
  /** submitter: finalized after its window */
  | "finalized"
  /** challenger: re-executed, agrees */
  | "correct"
  /** challenger: re-executed, disagrees */
  | "wrong"
  /** challenger: already rejected on chain when judged (not re-reported as wrong) */
  | "rejected"
  /** challenger: a model this daemon does not serve */
  | "unserved"
  /** challenger: a game opened against it */
  | "challenged";

/** Failed scans in a row that make a daemon unhealthy before `staleMs` has passed. */
export const FAILED_SCANS_UNHEALTHY = 3;

/** Default for `staleMs`: a pass that has not read the chain for two minutes. */
export const DEFAULT_HEALTH_STALE_MS = 120_000;

export interface Health {
  healthy: boolean;
  /**
   * "ok"; "starting": no pass has read the chain yet, within `staleMs` of start; "rpc failing":
   * passes go on but their scans fail; "stalled": no pass has ended within `staleMs`.
   */
  status: "ok" | "starting" | "rpc failing" | "stalled";
  /** Seconds since the last pass that read the chain; null before the first. */
  lastScanAgeS: number | null;
  /** Seconds since the last pass ended, whatever its outcome; null before the first. */
  lastPassAgeS: number | null;
  failedScansInARow: number;
  /** The highest block synced, when known. */
  syncedBlock: string | null;
}

const PHASE_NAMES: Record<number, string> = {
  [Phase.Bisect]: "bisect",
  [Phase.Choose]: "choose",
  [Phase.OpenPhase2]: "open_phase2",
  [Phase.Step]: "step",
};

export interface DaemonMetricsOptions {
  /** Labels every series (e.g. `role`). */
  labels?: Record<string, string>;
  /** Also Node's process metrics (CPU, memory, event-loop lag); for a daemon process, not for tests. */
  processMetrics?: boolean;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

interface GameState {
  phase: string;
  level: number;
  ourMove: boolean;
  clockLeftS: number;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly games = new Map<bigint, GameState>();
  private readonly startedAt: number;
  private lastScanAt?: number;
  private lastPassAt?: number;
  private failedScans = 0;
  private synced?: bigint;

  private readonly requests: Counter;
  private readonly claims: Counter<"event">;
  private readonly moves: Counter<"move">;
  private readonly moveFailures: Counter;
  private readonly resolved: Counter<"result">;
  private readonly rpcErrors: Counter<"call">;
  private readonly passes: Counter<"scan">;
  private readonly balanceWei: Gauge;
  private readonly bondWei: Gauge;
  private readonly stepsPerSecond: Gauge;

  constructor(opts: DaemonMetricsOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    const registers = [this.registry];
    if (opts.labels) this.registry.setDefaultLabels(opts.labels);
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: "opml_" });
    this.requests = new Counter({
      name: "opml_requests_seen_total",
      help: "inference requests seen for the models this daemon serves",
      registers,
    });
    this.claims = new Counter({
      name: "opml_claims_total",
      help: "claims by what happened to them: submitted, finalized (submitter); correct, wrong, rejected, unserved, challenged (challenger)",
      labelNames: ["event"],
      registers,
    });
    this.moves = new Counter({
      name: "opml_game_moves_total",
      help: "game moves sent, by move",
      labelNames: ["move"],
      registers,
    });
    this.moveFailures = new Counter({
      name: "opml_game_move_failures_total",
      help: "game moves that failed (retried with back-off)",
      registers,
    });
    this.resolved = new Counter({
      name: "opml_games_resolved_total",
      help: "our games resolved, by result",
      labelNames: ["result"],
      registers,
    });
    this.rpcErrors = new Counter({
      name: "opml_rpc_errors_total",
      help: "failed RPC attempts (each retry counts), by call",
      labelNames: ["call"],
      registers,
    });
    this.passes = new Counter({
      name: "opml_passes_total",
      help: "loop passes, by whether the event scan read the chain",
      labelNames: ["scan"],
      registers,
    });
    this.balanceWei = new Gauge({ name: "opml_balance_wei", help: "the signer's balance", registers });
    this.bondWei = new Gauge({
      name: "opml_bond_wei",
      help: "the largest bond this daemon posts for a served model (submitter bond or challenger bond)",
      registers,
    });
    this.stepsPerSecond = new Gauge({
      name: "opml_vm_steps_per_second",
      help: "this machine's measured VM speed (traced run)",
      registers,
    });
    const games = this.games;
    new Gauge({
      name: "opml_games",
      help: "our open games by phase, level and whose move it is",
      labelNames: ["phase", "level", "turn"],
      registers,
      collect() {
        this.reset();
        for (const g of games.values())
          this.inc({ phase: g.phase, level: String(g.level), turn: g.ourMove ? "ours" : "theirs" });
      },
    });
    new Gauge({
      name: "opml_game_clock_left_seconds",
      help: "seconds left on our clock in each open game (as of the last pass that read it)",
      labelNames: ["game"],
      registers,
      collect() {
        this.reset();
        for (const [id, g] of games) this.set({ game: String(id) }, g.clockLeftS);
      },
    });
    new Gauge({
      name: "opml_deadline_min_seconds_left",
      help: "the least clock left among our open games where we are on move, with that game (absent when none)",
      labelNames: ["game"],
      registers,
      collect() {
        this.reset();
        let min: [bigint, number] | undefined;
        for (const [id, g] of games) if (g.ourMove && (!min || g.clockLeftS < min[1])) min = [id, g.clockLeftS];
        if (min) this.set({ game: String(min[0]) }, min[1]);
      },
    });
  }

  // ---- what the loop and the roles report

  requestSeen(): void {
    this.requests.inc();
  }

  claim(event: ClaimEvent): void {
    this.claims.inc({ event });
  }

  moveSent(move: string): void {
    this.moves.inc({ move });
  }

  moveFailed(): void {
    this.moveFailures.inc();
  }

  /** A game as last read: its phase, whose move, our clock left. */
  gameRead(gameId: bigint, view: Pick<GameView, "phase" | "level">, ourMove: boolean, clockLeftS: number): void {
    this.games.set(gameId, {
      phase: PHASE_NAMES[view.phase] ?? String(view.phase),
      level: view.level,
      ourMove,
      clockLeftS,
    });
  }

  gameResolved(gameId: bigint, won: boolean): void {
    this.games.delete(gameId);
    this.resolved.inc({ result: won ? "won" : "lost" });
  }

  /** Forgets the games that are no longer ours (dropped, resolved by a restart's rescan). */
  openGames(ids: Iterable<bigint>): void {
    const keep = new Set(ids);
    for (const id of this.games.keys()) if (!keep.has(id)) this.games.delete(id);
  }

  rpcError(call: string): void {
    this.rpcErrors.inc({ call });
  }

  balance(wei: bigint): void {
    this.balanceWei.set(Number(wei));
  }

  bond(wei: bigint): void {
    this.bondWei.set(Number(wei));
  }

  vmSpeed(stepsPerSecond: number): void {
    this.stepsPerSecond.set(stepsPerSecond);
  }

  /** A pass ended; `scanned`: its event scan read the chain, up to block `synced`. */
  passEnded(scanned: boolean, synced?: bigint): void {
    const t = this.now();
    this.lastPassAt = t;
    this.passes.inc({ scan: scanned ? "ok" : "failed" });
    if (scanned) {
      this.lastScanAt = t;
      this.failedScans = 0;
      if (synced !== undefined) this.synced = synced;
    } else this.failedScans++;
  }

  // ---- what the server reads

  health(staleMs: number = DEFAULT_HEALTH_STALE_MS): Health {
    const t = this.now();
    const age = (at?: number) => (at === undefined ? null : Math.max(0, (t - at) / 1000));
    const fields = {
      lastScanAgeS: age(this.lastScanAt),
      lastPassAgeS: age(this.lastPassAt),
      failedScansInARow: this.failedScans,
      syncedBlock: this.synced === undefined ? null : String(this.synced),
    };
    const recent = (at?: number) => at !== undefined && t - at <= staleMs;
    const status: Health["status"] =
      this.failedScans >= FAILED_SCANS_UNHEALTHY
        ? "rpc failing"
        : recent(this.lastScanAt)
          ? "ok"
          : this.lastScanAt === undefined && recent(this.startedAt)
            ? "starting"
            : recent(this.lastPassAt)
              ? "rpc failing"
              : "stalled";
    return { healthy: status === "ok", status, ...fields };
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
