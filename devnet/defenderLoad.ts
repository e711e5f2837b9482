/**
 * The defender-load scenario (protocol.md §7.5) on a fresh anvil: K steering challengers
 * (challenger/steering.ts) challenge one honest claim together and drive their K games to K
 * different nodes of a model whose every node is one long VM run (dnn-lib's `matmulChain`), so
 * that the honest submitter daemon must run K nodes at once. Every party is a real daemon running
 * its own loop; the chain mines a block a second besides one per transaction, so clocks run on the
 * wall clock and a steering challenger claims any timeout as soon as the chain allows it.
 *
 * What it reports: the games the defender won and the deadlines it missed (a missed deadline
 * loses the game: the side on move loses by `timeout`), the phase-2 extension each game was
 * granted, the least clock the defender had left right after opening phase 2, the VM runs its
 * scheduler made, and whether the honest claim finalized with the true output.
 */
import { Writable } from "node:stream";
import { createTestClient, http, type Address } from "viem";
import { startAnvil } from "../chain/anvil.ts";
import { devClients } from "../chain/devClients.ts";
import { GAME, MODEL_TERMS, SYSTEM_CONTRACTS } from "../chain/deploy.ts";
import { GameStatus } from "../bisection/index.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { createLogger, type Logger } from "../daemon/logger.ts";
import { vmStepsPerSecond } from "../daemon/vmSpeed.ts";
import { matmulChain } from "../dnn-lib/models/tiny.ts";
import { compileModel } from "../phase/compileModel.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";
import { requestInference, waitForResult } from "../sdk/index.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { deployManifest, registerModel } from "./deployManifest.ts";

export interface DefenderLoadOptions {
  /** K: steering challengers, each to its own node (the model has K nodes). */
  challengers: number;
  /** Width of the model's matmul nodes: the VM run of one node grows with its square. */
  width: number;
  /** The DisputeGame's clocks, seconds. */
  clockBudget: bigint;
  phase2Extension: bigint;
  stepExtension: bigint;
  /** Pause between the daemons' passes (default 100 ms). */
  pollMs?: number;
  /** Gives up (throws) when the games are not all over by then (default 300 s). */
  timeoutMs?: number;
  /** Where the daemons' JSON log lines go (default: discarded). */
  logs?: NodeJS.WritableStream;
}

export interface DefenderLoadResult {
  games: number;
  defenderWon: number;
  /** Games the defender lost (a missed deadline loses its game) plus its game moves that failed. */
  deadlineMisses: number;
  /** The node each game narrowed to, by game. */
  nodes: number[];
  /** The phase-2 extension each game was granted, seconds, by game. */
  extensionsS: number[];
  /** The least clock the defender had left right after opening phase 2, seconds. */
  minSlackS: number;
  /** VM runs the defender's scheduler completed, and the most it ever had queued at once. */
  vmRuns: number;
  maxQueued: number;
  /** The honest claim finalized with the true output. */
  finalized: boolean;
  /** Wall time from the request to the last game's end, seconds. */
  wallS: number;
  /** The defender's measured VM speed and the model's largest node (estimated steps). */
  stepsPerSecond: number;
  maxNodeSteps: number;
}

/** A stream that passes log lines on to `to`, if any. */
function forward(to?: NodeJS.WritableStream, onLine?: (line: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _e, cb) {
      onLine?.(chunk.toString());
      if (to) to.write(chunk);
      cb();
    },
  });
}

/** The submitter's logger, counting its failed game moves (a move sent too late reverts). */
function countingLogger(to?: NodeJS.WritableStream): { logger: Logger; failures: () => number } {
  let failures = 0;
  const logger = createLogger({
    destination: forward(to, (line) => {
      if (line.includes('"msg":"game move failed"')) failures++;
    }),
  }).child({ role: "submitter" });
  return { logger, failures: () => failures };
}

export async function runDefenderLoad(o: DefenderLoadOptions): Promise<DefenderLoadResult> {
  const k = o.challengers;
  const logger = createLogger({ destination: forward(o.logs) });
  const submitterLogs = countingLogger(o.logs);
  const pollMs = o.pollMs ?? 100;
  const anvil = await startAnvil({ port: 0, accounts: k + 3, blockTime: 1, mixedMining: true });
  const daemons: { stop(): Promise<void> }[] = [];
  try {
    const clients = anvil.accounts.map((a) => devClients(anvil.rpcUrl, anvil.chainId, a.privateKey));
    const manifest = SYSTEM_CONTRACTS.map((s) =>
      s.name !== "DisputeGame"
        ? s
        : {
            ...s,
            args: (d: { address(name: string): Address }) => [
              GAME.k,
              GAME.stepDepth,
              o.clockBudget,
              o.phase2Extension,
              o.stepExtension,
              d.address("StepVerifier"),
              d.address("PhaseBoundary"),
            ],
          },
    );
    const { deployed } = await deployManifest(clients[0]!, manifest);
    const at = (name: string) => deployed.find((d) => d.name === name)!.address;
    const oracle = at("OpmlOracle");
    const game = at("DisputeGame");
    const compiled = await compileModel(matmulChain(k, o.width));
    const served = await ServedModel.create(compiled);
    const { modelId } = await registerModel(clients[0]!, oracle, compiled, { ...MODEL_TERMS, challengeWindow: 600n });
    const models = new Map([[modelId, served]]);
    const stepsPerSecond = await vmStepsPerSecond();

    const submitter = new SubmitterDaemon({
      client: clients[2]!.walletClient,
      oracle,
      models,
      logger: submitterLogs.logger,
      pollMs,
      withdraw: false,
      stepsPerSecond,
    });
    daemons.push(submitter);
    for (let i = 0; i < k; i++) {
      daemons.push(
        new ChallengerDaemon({
          client: clients[3 + i]!.walletClient,
          oracle,
          mode: "defend",
          models,
          steerToNode: i,
          logger: logger.child({ role: `challenger-${i}` }),
          pollMs,
          withdraw: false,
          stepsPerSecond,
        }),
      );
    }

    const input = Uint8Array.from({ length: o.width }, (_, i) => (i * 37 + 11) & 0xff);
    const truth = served.claim(input);
    const pc = clients[0]!.publicClient;
    const t0 = performance.now();
    const { requestId } = await requestInference(clients[1]!.walletClient, { oracle, modelId, input });
    for (const d of daemons) (d as SubmitterDaemon | ChallengerDaemon).start();

    // Until every game is over: sample the defender's VM queue.
    let maxQueued = 0;
    const deadline = Date.now() + (o.timeoutMs ?? 300_000);
    let resolved: Awaited<ReturnType<typeof resolvedGames>> = [];
    const resolvedGames = () =>
      pc.getContractEvents({ address: game, abi: disputeGameAbi, eventName: "GameResolved", fromBlock: 0n });
    for (;;) {
      maxQueued = Math.max(maxQueued, submitter.work.traces.scheduler.queue().length);
      resolved = await resolvedGames();
      if (resolved.length === k) break;
      if (Date.now() > deadline)
        throw new Error(`defender load: ${resolved.length} of ${k} games over after ${o.timeoutMs ?? 300_000} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const wallS = (performance.now() - t0) / 1000;

    // The window passes; the submitter finalizes its claim.
    const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    await test.increaseTime({ seconds: 600 });
    await test.mine({ blocks: 1 });
    const output = await waitForResult(pc, { oracle, requestId, timeoutMs: 30_000 }).catch(() => undefined);

    // What each game narrowed to, what it was granted, the defender's clock after opening phase 2.
    const nodes: number[] = [];
    const extensionsS: number[] = [];
    let minSlackS = Infinity;
    for (const ev of await pc.getContractEvents({
      address: game,
      abi: disputeGameAbi,
      eventName: "Phase2Opened",
      fromBlock: 0n,
    })) {
      const gameId = ev.args.gameId!;
      nodes.push(ev.args.node!);
      const after = await pc.readContract({
        address: game,
        abi: disputeGameAbi,
        functionName: "getGame",
        args: [gameId],
        blockNumber: ev.blockNumber,
      });
      minSlackS = Math.min(minSlackS, Number(after.defenderClock));
    }
    for (const ev of await pc.getContractEvents({
      address: game,
      abi: disputeGameAbi,
      eventName: "SegmentChosen",
      fromBlock: 0n,
    })) {
      if (ev.args.level !== 1 || ev.args.hi! - ev.args.lo! !== 1n) continue;
      const args = [ev.args.gameId!] as const;
      const before = await pc.readContract({
        address: game,
        abi: disputeGameAbi,
        functionName: "getGame",
        args,
        blockNumber: ev.blockNumber - 1n,
      });
      const after = await pc.readContract({
        address: game,
        abi: disputeGameAbi,
        functionName: "getGame",
        args,
        blockNumber: ev.blockNumber,
      });
      extensionsS.push(Number(after.defenderClock - before.defenderClock));
    }
    const defenderWon = resolved.filter((r) => r.args.status === GameStatus.DefenderWon).length;
    const sched = submitter.work.traces.scheduler;
    return {
      games: k,
      defenderWon,
      deadlineMisses: k - defenderWon + submitterLogs.failures(),
      nodes,
      extensionsS,
      minSlackS,
      vmRuns: sched.finished.filter((f) => !f.background).length,
      maxQueued,
      finalized: output === truth.output,
      wallS,
      stepsPerSecond,
      maxNodeSteps: Math.max(...compiled.nodeSteps),
    };
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    await anvil.stop();
  }
}
