/**
 * The daemons at production load, on a fresh anvil mining a block every second: bursts of
 * requests across two models (tiny-mlp and a 2-node matmul chain), sent with viem from four
 * accounts, served by one submitter daemon in a child process (`opml submitter`, so that it can be
 * killed with SIGKILL and restarted on its data directory) and checked by a watch-mode challenger
 * in this process. Faults, in the first burst: the submitter killed (kill -9) once half its claims
 * are on chain, then restarted; the RPC stalled (anvil stopped with SIGSTOP, then continued).
 * After the bursts the chain's clock passes the challenge window and every request must finalize.
 *
 * Everything it reports is counted from the chain (the oracle's events and their blocks' times),
 * except the submitter's resident memory (sampled from /proc) and the challenger's lag (its
 * verdict's log time against the claim's block time).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  nonceManager,
  parseEventLogs,
  bytesToHex,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startAnvil, type Anvil } from "../chain/anvil.ts";
import { devChain, devClients } from "../chain/devClients.ts";
import { MODEL_TERMS, SYSTEM_CONTRACTS } from "../chain/deploy.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { createLogger } from "../daemon/logger.ts";
import { matmulChain } from "../dnn-lib/models/tiny.ts";
import { encodeModel } from "../dnn-lib/src/model/modelFile.ts";
import { compileModel, type CompiledModel } from "../phase/compileModel.ts";
import { Rng } from "../common/rng.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { estimateFee } from "../sdk/index.ts";
import { deployManifest, registerModel } from "./deployManifest.ts";
import { DEFAULT_MAX_IN_FLIGHT } from "../daemon/config.ts";

export interface LoadOptions {
  /** Requests per burst, one burst after the other (each waits until the one before is claimed). */
  bursts: number[];
  /** Inject the faults (kill -9 of the submitter, RPC stall) in the first burst (default true). */
  faults?: boolean;
  /** How long anvil is stopped, seconds (default 5). */
  stallS?: number;
  /** The submitter's cap on transactions in flight (default 256, the daemons'). */
  maxInFlight?: number;
  /** Gives up waiting for a burst's claims (or the finalizations) after this long (default 240 s). */
  phaseTimeoutMs?: number;
  /** Where the submitter's and challenger's log lines go (default: discarded). */
  logs?: NodeJS.WritableStream;
}

export interface BurstResult {
  size: number;
  /** Requests claimed over the time from the burst's first request block to its last claim block. */
  claimsPerS: number;
  /** Request block → claim block, seconds. */
  p50S: number;
  p95S: number;
}

export interface LoadResult {
  bursts: BurstResult[];
  requests: number;
  /** Requests never claimed, or claimed and not finalized at the end. */
  lost: number;
  /** Requests with more than one ClaimSubmitted. */
  doubleClaims: number;
  /** The submitter's largest resident memory across both its processes, MiB. */
  submitterRssMb: number;
  /** Claim block → the challenger's verdict, seconds, p95 and p50. */
  challengerLagP95S: number;
  challengerLagP50S: number;
  /** Claims the watcher judged (all must be judged correct). */
  verdicts: number;
  wrongVerdicts: number;
  /** The submitter was killed and restarted, and anvil stalled, during the first burst. */
  faults: { killedAfterClaims: number; stallS: number } | undefined;
  /** Blocks that carried claims, and the most claims one block carried. */
  claimBlocks: number;
  maxClaimsPerBlock: number;
  wallS: number;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** The submitter as `opml submitter` in a child process, and its peak resident memory. */
function startSubmitter(anvil: Anvil, oracle: Address, models: string[], dataDir: string, o: LoadOptions) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(here, "../cli/bin.mjs"),
      "submitter",
      "--rpc-url",
      anvil.rpcUrl,
      "--oracle",
      oracle,
      "--models",
      models.join(","),
      "--data-dir",
      dataDir,
      "--poll-ms",
      "200",
      "--max-in-flight",
      String(o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
    ],
    { env: { ...process.env, OPML_PRIVATE_KEY: anvil.accounts[2]!.privateKey }, stdio: ["ignore", "pipe", "pipe"] },
  );
  // Ready once its first pass can run: the VM speed is measured right before it.
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  child.stdout?.on("data", (chunk: Buffer) => {
    if (chunk.toString().includes("measured this machine's VM speed")) ready();
    o.logs?.write(chunk);
  });
  child.stderr?.on("data", (chunk: Buffer) => o.logs?.write(chunk));
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // exited, or no /proc: no sample
    }
  }, 250);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    started,
    peakMb: () => peakKb / 1024,
    async kill(signal: NodeJS.Signals) {
      clearInterval(timer);
      child.kill(signal);
      await exited;
    },
  };
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const t0 = performance.now();
  const anvil = await startAnvil({ port: 0, blockTime: 1, accounts: 8 });
  const stops: (() => Promise<void>)[] = [() => anvil.stop()];
  try {
    const deployer = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const { deployed, model } = await deployManifest(deployer, SYSTEM_CONTRACTS);
    const oracle = deployed.find((d) => d.name === "OpmlOracle")!.address;
    const chain2: CompiledModel = await compileModel(matmulChain(2, 16));
    const id2 = (await registerModel(deployer, oracle, chain2, MODEL_TERMS)).modelId;
    const served: [bigint, CompiledModel][] = [
      [model!.modelId, model!.compiled],
      [id2, chain2],
    ];
    const dir = mkdtempSync(join(tmpdir(), "opml-load-"));
    const entries = served.map(([id, c]) => {
      const file = join(dir, `model-${id}.opml`);
      writeFileSync(file, encodeModel(c.model));
      return `${id}=${file}`;
    });
    const pub = createPublicClient({
      chain: devChain(anvil.rpcUrl, anvil.chainId),
      transport: http(anvil.rpcUrl),
      pollingInterval: 100,
    });

    // The watch-mode challenger, in this process; its verdict lines carry their time.
    const verdictAt = new Map<string, number>();
    let wrong = 0;
    const logger = createLogger({
      base: { role: "challenger" },
      destination: new Writable({
        write(chunk: Buffer, _e, cb) {
          for (const line of chunk.toString().split("\n")) {
            if (!line.includes("claim verified") && !line.includes("WRONG CLAIM")) continue;
            const l = JSON.parse(line) as { claimId: string; time: number; msg: string };
            verdictAt.set(l.claimId, l.time / 1000);
            if (l.msg === "WRONG CLAIM") wrong++;
          }
          o.logs?.write(chunk);
          cb();
        },
      }),
    });
    const models = new Map<bigint, ServedModel>();
    for (const [id, c] of served) models.set(id, await ServedModel.create(c));
    const watcher = new ChallengerDaemon({ client: pub, oracle, mode: "watch", models, logger, pollMs: 200 });
    watcher.start();
    stops.unshift(() => watcher.stop());

    const dataDir = join(dir, "submitter");
    let submitter = startSubmitter(anvil, oracle, entries, dataDir, o);
    await submitter.started;
    let peakMb = 0;
    stops.unshift(async () => {
      peakMb = Math.max(peakMb, submitter.peakMb());
      await submitter.kill("SIGTERM");
    });

    // Requesters: four accounts, each with viem's nonce manager, sending without waiting.
    const users = [3, 4, 5, 6].map((i) =>
      createWalletClient({
        chain: devChain(anvil.rpcUrl, anvil.chainId),
        transport: http(anvil.rpcUrl),
        account: privateKeyToAccount(anvil.accounts[i]!.privateKey, { nonceManager }),
        pollingInterval: 100,
      }),
    );
    const fees = new Map<bigint, bigint>();
    for (const [id] of served) fees.set(id, await estimateFee(pub, { oracle, modelId: id }));
    const rng = new Rng(19);
    let sent = 0;
    const requestIds: bigint[] = [];

    const claimsOf = (fromBlock = 0n) =>
      pub.getContractEvents({ address: oracle, abi: opmlOracleAbi, eventName: "ClaimSubmitted", fromBlock });

    /** Sends `count` requests (alternating models) from the four accounts; their ids once mined. */
    const sendRequests = async (count: number): Promise<bigint[]> => {
      const hashes: Hex[] = [];
      const base = sent;
      sent += count;
      await Promise.all(
        users.map(async (user, u) => {
          for (let i = u; i < count; i += users.length) {
            const [modelId, c] = served[(base + i) % served.length]!;
            hashes.push(
              await user.writeContract({
                address: oracle,
                abi: opmlOracleAbi,
                functionName: "requestInference",
                args: [modelId, bytesToHex(rng.bytes(c.commitment.inputLength)), zeroAddress, 0, "0x"],
                value: fees.get(modelId)!,
                gas: 1_000_000n,
              } as never),
            );
          }
        }),
      );
      const ids: bigint[] = [];
      for (const hash of hashes) {
        const r = await pub.waitForTransactionReceipt({ hash, timeout: o.phaseTimeoutMs ?? 240_000 });
        for (const l of parseEventLogs({ abi: opmlOracleAbi, logs: r.logs, eventName: "InferenceRequested" }))
          ids.push(l.args.requestId);
      }
      return ids;
    };

    const bursts: BurstResult[] = [];
    let faults: LoadResult["faults"];
    for (const [b, size] of o.bursts.entries()) {
      const ids: bigint[] = [];
      const want = new Set<string>();
      const burstStart = await pub.getBlockNumber();
      const claimedOfBurst = async () => (await claimsOf(burstStart)).filter((l) => want.has(String(l.args.requestId)));
      const add = (more: bigint[]) => {
        ids.push(...more);
        for (const id of more) want.add(String(id));
      };
      if (b === 0 && o.faults !== false) {
        // Half the burst; kill -9 as soon as its first claims are on chain (more in flight), the
        // other half while the submitter is down; restart on the same data directory; stall the RPC.
        add(await sendRequests(Math.ceil(size / 2)));
        const deadline = performance.now() + (o.phaseTimeoutMs ?? 240_000);
        while ((await claimedOfBurst()).length === 0 && performance.now() < deadline) await sleep(50);
        const killedAfterClaims = (await claimedOfBurst()).length;
        peakMb = Math.max(peakMb, submitter.peakMb());
        await submitter.kill("SIGKILL");
        add(await sendRequests(Math.floor(size / 2)));
        submitter = startSubmitter(anvil, oracle, entries, dataDir, o);
        await submitter.started;
        const stallS = o.stallS ?? 5;
        process.kill(anvil.pid, "SIGSTOP");
        await sleep(stallS * 1000);
        process.kill(anvil.pid, "SIGCONT");
        faults = { killedAfterClaims, stallS };
      } else add(await sendRequests(size));
      requestIds.push(...ids);
      const deadline = performance.now() + (o.phaseTimeoutMs ?? 240_000);
      let claims = await claimedOfBurst();
      while (new Set(claims.map((l) => String(l.args.requestId))).size < size && performance.now() < deadline) {
        await sleep(250);
        claims = await claimedOfBurst();
      }
      bursts.push(await burstFigures(pub, oracle, ids, claims));
    }

    // Past the challenge window: every request must finalize.
    await createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) }).increaseTime({
      seconds: Number(MODEL_TERMS.challengeWindow) + 1,
    });
    const finalizedIds = async () =>
      new Set(
        (
          await pub.getContractEvents({
            address: oracle,
            abi: opmlOracleAbi,
            eventName: "RequestFinalized",
            fromBlock: 0n,
          })
        ).map((l) => String(l.args.requestId)),
      );
    const deadline = performance.now() + (o.phaseTimeoutMs ?? 240_000);
    let finalized = await finalizedIds();
    while (requestIds.some((id) => !finalized.has(String(id))) && performance.now() < deadline) {
      await sleep(500);
      finalized = await finalizedIds();
    }

    const claims = await claimsOf();
    const perRequest = new Map<string, number>();
    for (const l of claims)
      perRequest.set(String(l.args.requestId), (perRequest.get(String(l.args.requestId)) ?? 0) + 1);
    const perBlock = new Map<bigint, number>();
    for (const l of claims) perBlock.set(l.blockNumber, (perBlock.get(l.blockNumber) ?? 0) + 1);
    const blockTime = new Map<bigint, number>();
    const lags: number[] = [];
    for (const l of claims) {
      if (!blockTime.has(l.blockNumber))
        blockTime.set(l.blockNumber, Number((await pub.getBlock({ blockNumber: l.blockNumber })).timestamp));
      const at = verdictAt.get(String(l.args.claimId));
      if (at !== undefined) lags.push(at - blockTime.get(l.blockNumber)!);
    }
    peakMb = Math.max(peakMb, submitter.peakMb());
    return {
      bursts,
      requests: requestIds.length,
      lost: requestIds.filter((id) => !perRequest.has(String(id)) || !finalized.has(String(id))).length,
      doubleClaims: [...perRequest.values()].filter((n) => n > 1).length,
      submitterRssMb: peakMb,
      challengerLagP95S: quantile(lags, 0.95),
      challengerLagP50S: quantile(lags, 0.5),
      verdicts: verdictAt.size,
      wrongVerdicts: wrong,
      faults,
      claimBlocks: perBlock.size,
      maxClaimsPerBlock: Math.max(0, ...perBlock.values()),
      wallS: (performance.now() - t0) / 1000,
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

/** A burst's throughput and latency, from its requests' and claims' blocks. */
async function burstFigures(
  pub: ReturnType<typeof createPublicClient>,
  oracle: Address,
  ids: bigint[],
  claims: { blockNumber: bigint; args: { requestId?: bigint } }[],
): Promise<BurstResult> {
  const ts = new Map<bigint, number>();
  const time = async (n: bigint) => {
    if (!ts.has(n)) ts.set(n, Number((await pub.getBlock({ blockNumber: n })).timestamp));
    return ts.get(n)!;
  };
  const requested = new Map<string, number>();
  const reqLogs = await pub.getContractEvents({
    address: oracle,
    abi: opmlOracleAbi,
    eventName: "InferenceRequested",
    fromBlock: 0n,
  });
  const want = new Set(ids.map(String));
  for (const l of reqLogs)
    if (want.has(String(l.args.requestId))) requested.set(String(l.args.requestId), await time(l.blockNumber));
  const latencies: number[] = [];
  let last = 0;
  for (const l of claims) {
    const r = requested.get(String(l.args.requestId));
    if (r === undefined) continue;
    const c = await time(l.blockNumber);
    latencies.push(c - r);
    last = Math.max(last, c);
  }
  const first = Math.min(...requested.values());
  return {
    size: ids.length,
    claimsPerS: latencies.length / Math.max(1, last - first),
    p50S: quantile(latencies, 0.5),
    p95S: quantile(latencies, 0.95),
  };
}
