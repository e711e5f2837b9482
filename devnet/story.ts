/**
 * The demo's story on a running devnet, shared by `npm run demo` and bench/e2e.ts: the example
 * dapp requests an inference, a submitter daemon that lies at a chosen node is challenged by an
 * honest defend-mode challenger daemon, the dispute is played to the on-chain step, the liar is
 * slashed, an honest submitter's claim finalizes and the dapp's callback receives the output.
 * Gas is read from the receipts of the transactions mined in each phase and wall time is measured
 * around the daemons' ticks; nothing is estimated.
 */
import { Writable } from "node:stream";
import {
  createTestClient,
  formatEther,
  hexToBytes,
  http,
  parseEventLogs,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { devClients, type DevClients } from "../chain/devClients.ts";
import { MODEL_TERMS } from "../chain/deploy.ts";
import { type DemoModel } from "./deployManifest.ts";
import { createLogger } from "../daemon/logger.ts";
import { readGame } from "../sdk/operator/index.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { GameStatus, Phase } from "../bisection/index.ts";
import type { Anvil } from "../chain/anvil.ts";
import { classifierDapp, type StoryDapp } from "./storyDapps.ts";

/** Every example dapp has `fee()`. */
const feeAbi = [
  { type: "function", name: "fee", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
] as const;

export interface StorySystem {
  anvil: Anvil;
  oracle: Address;
  game: Address;
  /** The example dapp that asks (ClassifierGate by default, at this address). */
  dapp: Address | StoryDapp;
  model: DemoModel;
}

/** One row of the gas and time table. */
export interface PhaseRow {
  phase: string;
  txs: number;
  gas: bigint;
  wallS: number;
}

export class PhaseTable {
  readonly rows: PhaseRow[] = [];
  add(phase: string, txs: number, gas: bigint, wallS: number): void {
    let r = this.rows.find((x) => x.phase === phase);
    if (!r) this.rows.push((r = { phase, txs: 0, gas: 0n, wallS: 0 }));
    r.txs += txs;
    r.gas += gas;
    r.wallS += wallS;
  }
  total(phases?: readonly string[]): PhaseRow {
    const rows = phases ? this.rows.filter((r) => phases.includes(r.phase)) : this.rows;
    return {
      phase: "total",
      txs: rows.reduce((a, r) => a + r.txs, 0),
      gas: rows.reduce((a, r) => a + r.gas, 0n),
      wallS: rows.reduce((a, r) => a + r.wallS, 0),
    };
  }
  format(): string[] {
    const width = Math.max("phase".length, ...this.rows.map((r) => r.phase.length));
    const line = (p: string, t: string, g: string, w: string) =>
      `  ${p.padEnd(width)} ${t.padStart(4)} ${g.padStart(12)} ${w.padStart(9)}`;
    const out = [line("phase", "txs", "gas", "wall s")];
    for (const r of [...this.rows, this.total()]) {
      out.push(line(r.phase, String(r.txs), r.gas.toLocaleString("en-US"), r.wallS.toFixed(2)));
    }
    return out;
  }
}

const silent = () => createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const short = (h: Hex) => `${h.slice(0, 10)}…`;

export interface StoryResult {
  table: PhaseTable;
  /** Bisect/choose moves at level 1 and level 2. */
  moves: { level1: number; level2: number };
  /** Bisection rounds (one Bisected event each), both levels. */
  rounds: number;
  liarSlashed: boolean;
  /** Whether the dapp's callback stored the result. */
  delivered: boolean;
  output?: Hex;
}

/** The phases of the undisputed path and of the dispute, as named in the table. */
export const UNDISPUTED_PHASES = ["dapp request", "honest claim", "finalize, callback, withdraw"] as const;
export const DISPUTE_PHASES = [
  "lying claim",
  "challenge",
  "level 1 moves",
  "phase-2 opening",
  "level 2 moves",
  "on-chain step",
] as const;

/** Mined transactions in blocks (from, to]. */
async function receiptsBetween(c: DevClients, from: bigint, to: bigint): Promise<TransactionReceipt[]> {
  const out: TransactionReceipt[] = [];
  for (let b = from + 1n; b <= to; b++) {
    const block = await c.publicClient.getBlock({ blockNumber: b });
    for (const hash of block.transactions) out.push(await c.publicClient.getTransactionReceipt({ hash }));
  }
  return out;
}

export interface StoryOptions {
  /** The node the submitter lies at (default: the middle node). */
  lieAtNode?: number;
  log?: (line: string) => void;
  /** Print every move (default true). */
  verbose?: boolean;
}

export async function runStory(sys: StorySystem, options: StoryOptions = {}): Promise<StoryResult> {
  const log = options.log ?? (() => {});
  const verbose = options.verbose ?? true;
  const { anvil, oracle, game, dapp, model } = sys;
  const nodes = model.compiled.commitment.nodeCount;
  const lieAtNode = options.lieAtNode ?? Math.floor(nodes / 2);
  if (!Number.isInteger(lieAtNode) || lieAtNode < 0 || lieAtNode >= nodes) {
    throw new RangeError(`--lie-at-node ${lieAtNode}: the demo model has nodes 0..${nodes - 1}`);
  }
  const clients = anvil.accounts.map((a) => devClients(anvil.rpcUrl, anvil.chainId, a.privateKey));
  const pc = clients[0]!;
  const who = new Map<string, string>([
    [clients[1]!.walletClient.account.address.toLowerCase(), "dapp user"],
    [clients[2]!.walletClient.account.address.toLowerCase(), "lying submitter"],
    [clients[3]!.walletClient.account.address.toLowerCase(), "challenger"],
    [clients[4]!.walletClient.account.address.toLowerCase(), "honest submitter"],
  ]);
  const testClient = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
  const table = new PhaseTable();
  const served = await ServedModel.create(model.compiled);
  const models = new Map([[model.modelId, served]]);
  const moves = { level1: 0, level2: 0 };
  let rounds = 0;

  /** Runs `fn`, then attributes the transactions it got mined to phases (by their events). */
  async function measured(fn: () => Promise<unknown>, fixedPhase?: string): Promise<TransactionReceipt[]> {
    const from = await pc.publicClient.getBlockNumber({ cacheTime: 0 });
    const t0 = performance.now();
    await fn();
    const wallS = (performance.now() - t0) / 1000;
    const to = await pc.publicClient.getBlockNumber({ cacheTime: 0 });
    const receipts = await receiptsBetween(pc, from, to);
    if (receipts.length === 0 && fixedPhase) table.add(fixedPhase, 0, 0n, wallS);
    for (const r of receipts) {
      const phase = fixedPhase ?? describe(r);
      table.add(phase, 1, r.gasUsed, wallS / receipts.length);
    }
    return receipts;
  }

  /** Names the phase of a game or oracle transaction and prints the move. */
  function describe(r: TransactionReceipt): string {
    const by = who.get(r.from.toLowerCase()) ?? r.from;
    const g = parseEventLogs({ abi: disputeGameAbi, logs: r.logs });
    const o = parseEventLogs({ abi: opmlOracleAbi, logs: r.logs });
    let phase = "other";
    for (const e of g) {
      if (e.eventName === "Bisected") {
        const { level, lo, hi, intermediates } = e.args;
        if (level === 1) moves.level1++;
        else moves.level2++;
        rounds++;
        phase = `level ${level} moves`;
        if (verbose) {
          const unit = level === 1 ? "nodes" : "VM steps";
          log(
            `  L${level} round ${rounds}: ${by} bisects ${unit} [${lo}, ${hi}) into ${intermediates.length + 1} segments (gas ${r.gasUsed})`,
          );
        }
      } else if (e.eventName === "SegmentChosen") {
        const { level, lo, hi } = e.args;
        if (level === 1) moves.level1++;
        else moves.level2++;
        phase = `level ${level} moves`;
        if (verbose) log(`           ${by} disputes [${lo}, ${hi}) (gas ${r.gasUsed})`);
      } else if (e.eventName === "Phase2Opened") {
        phase = "phase-2 opening";
        log(
          `  Phase 2 opened by the ${by} at node ${e.args.node}: VM states ${short(e.args.initialVmState)} → ${short(e.args.finalVmState)}, checked by PhaseBoundary (gas ${r.gasUsed})`,
        );
      } else if (e.eventName === "StepExecuted") {
        phase = "on-chain step";
        const { stepIndex, postState, claimed } = e.args;
        log(
          `  On-chain step by the ${by}: StepVerifier re-executes VM step ${stepIndex}: post-state ${short(postState)}, the submitter claimed ${short(claimed)} → ${postState === claimed ? "claim holds" : "LIE PROVEN"} (gas ${r.gasUsed})`,
        );
      } else if (e.eventName === "GameResolved") {
        const status = e.args.status === GameStatus.ChallengerWon ? "challenger won" : "defender won";
        log(`  Game resolved: ${status}${e.args.byTimeout ? " (on time)" : " (by the step)"}.`);
      }
    }
    for (const e of o) {
      if (e.eventName === "ClaimChallenged") {
        phase = "challenge";
        log(`  The ${by} re-executed the claim natively, disagrees, and opens game ${e.args.gameId} with its bond.`);
      }
    }
    return phase;
  }

  // 1. The dapp requests.
  const user = clients[1]!;
  const app =
    typeof dapp === "string"
      ? classifierDapp(
          dapp,
          Uint8Array.from({ length: model.compiled.commitment.inputLength }, (_, i) => (i * 13 + 5) & 0xff),
        )
      : dapp;
  const fee = await pc.publicClient.readContract({ address: app.address, abi: feeAbi, functionName: "fee" });
  log(`\n1. ${app.describeRequest(fee)}`);
  const [req] = await measured(async () => {
    const hash = await app.send(user, fee);
    await user.publicClient.waitForTransactionReceipt({ hash });
  }, "dapp request");
  const requestId = parseEventLogs({ abi: opmlOracleAbi, logs: req!.logs, eventName: "InferenceRequested" })[0]!.args
    .requestId;
  log(`   Request ${requestId} is open.`);

  // 2. A lying submitter claims; the honest challenger re-executes and challenges.
  const liar = new SubmitterDaemon({
    client: clients[2]!.walletClient,
    oracle,
    models,
    logger: silent(),
    lieAtNode,
    lieInVm: true,
    withdraw: false,
  });
  const challenger = new ChallengerDaemon({
    client: clients[3]!.walletClient,
    oracle,
    mode: "defend",
    models,
    logger: silent(),
    withdraw: false,
  });
  const input = hexToBytes(
    parseEventLogs({ abi: opmlOracleAbi, logs: req!.logs, eventName: "InferenceRequested" })[0]!.args.input,
  );
  const truth = served.claim(input);
  log(
    `\n2. A submitter lying at node ${lieAtNode} of ${nodes} (its VM run of that node is wrong at one step) claims, bonding ${formatEther(MODEL_TERMS.submitterBond)} ETH.`,
  );
  const claimReceipts = await measured(() => liar.tick(), "lying claim");
  const claimed = parseEventLogs({
    abi: opmlOracleAbi,
    logs: claimReceipts.flatMap((r) => r.logs),
    eventName: "ClaimSubmitted",
  })[0];
  if (claimed) {
    log(`   Claimed final state ${claimed.args.finalState} (output ${claimed.args.output});`);
    log(`   the true final state is ${truth.finalState} (output ${truth.output}).`);
  }
  await measured(() => challenger.tick());
  const gameId = [...challenger.games.keys()].pop();
  if (gameId === undefined) throw new Error("the challenger opened no game");

  // 3. The dispute, move by move.
  log(`\n3. The dispute (k ${4}-ary bisection over nodes, then over the disputed node's VM steps):`);
  for (let i = 0; i < 200; i++) {
    const g = await readGame(pc.publicClient, { game, gameId });
    if (g.status !== GameStatus.InProgress) break;
    // The step is the challenger's move (permissionless, charged to it). The liar is not ticked
    // then: once its claim is rejected its daemon would claim the reopened request again.
    if (g.phase !== Phase.Step) await measured(() => liar.tick());
    await measured(() => challenger.tick());
  }
  const end = await readGame(pc.publicClient, { game, gameId });
  const [settled] = await pc.publicClient.getContractEvents({
    address: oracle,
    abi: opmlOracleAbi,
    eventName: "GameSettled",
    args: { gameId },
    fromBlock: 0n,
  });
  const payout = await pc.publicClient.readContract({
    address: oracle,
    abi: opmlOracleAbi,
    functionName: "payouts",
    args: [clients[3]!.walletClient.account.address],
  });
  const liarSlashed = end.status === GameStatus.ChallengerWon && settled?.args.defenderWon === false;
  log(
    liarSlashed
      ? `\n4. Liar slashed: the lying submitter lost its ${formatEther(MODEL_TERMS.submitterBond)} ETH bond: ${formatEther(settled.args.burned!)} ETH burned, the challenger is owed ${formatEther(payout)} ETH (its ${formatEther(MODEL_TERMS.challengerBond)} ETH bond back + ${formatEther(payout - MODEL_TERMS.challengerBond)} ETH of the liar's).`
      : `\n4. The liar was NOT slashed (game status ${end.status}): this is a bug.`,
  );

  // 5. An honest submitter claims; the challenger agrees; after the window the request finalizes.
  const honest = new SubmitterDaemon({ client: clients[4]!.walletClient, oracle, models, logger: silent() });
  log(`\n5. The request reopened; an honest submitter claims ${truth.output}.`);
  await measured(() => honest.tick(), "honest claim");
  await measured(() => challenger.tick(), "honest claim");
  const agreed = challenger.verdicts.some((v) => v.requestId === requestId && v.correct);
  log(`   The challenger re-executes it and ${agreed ? "agrees: no challenge" : "DISAGREES"}.`);
  log(`   (anvil's clock is advanced past the ${MODEL_TERMS.challengeWindow} s challenge window)`);
  await testClient.increaseTime({ seconds: Number(MODEL_TERMS.challengeWindow) + 1 });
  await testClient.mine({ blocks: 1 });
  await measured(() => honest.tick(), "finalize, callback, withdraw");
  const [finalized] = await pc.publicClient.getContractEvents({
    address: oracle,
    abi: opmlOracleAbi,
    eventName: "RequestFinalized",
    args: { requestId },
    fromBlock: 0n,
  });
  let delivered = false;
  if (finalized) {
    const outcome = await app.outcome(pc, requestId, finalized.args.output!);
    delivered = outcome.delivered;
    for (const line of outcome.lines) log(`   ${line}`);
  }
  if (!delivered) log(`   The request did not finalize or the callback did not arrive: this is a bug.`);
  return { table, moves, rounds, liarSlashed, delivered, output: finalized?.args.output };
}
