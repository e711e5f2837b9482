import { spawn, type ChildProcess } from "node:child_process";
import { toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { OpmlError } from "../common/errors.ts";
import { foundryBinary } from "./foundry.ts";

/** Anvil's (and Hardhat's) standard test mnemonic. Its keys are public: never use them outside a dev chain. */
export const ANVIL_TEST_MNEMONIC = "test test test test test test test test test test test junk";
export const ANVIL_DEFAULT_CHAIN_ID = 31337;

export interface StartAnvilOptions {
  /** TCP port; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Seconds between blocks; unset means a block per transaction (automine). */
  blockTime?: number;
  /**
   * With `blockTime`: also mine a block per transaction (anvil's `--mixed-mining`), so transactions
   * stay instant while chain time follows the wall clock. Ignored without `blockTime`.
   */
  mixedMining?: boolean;
  /** BIP-39 mnemonic the dev accounts derive from (default: Anvil's public test mnemonic). */
  mnemonic?: string;
  /** Number of funded dev accounts (default 10). */
  accounts?: number;
  /** Chain id (default 31337). */
  chainId?: number;
  /** When false, anvil's own output is forwarded to this process's stderr (default true: kept quiet). */
  silent?: boolean;
  /** How long to wait for anvil to answer JSON-RPC before giving up (default 20 s). */
  timeoutMs?: number;
}

export interface DevAccount {
  address: Address;
  /** A publicly known test key, derived from the mnemonic at m/44'/60'/0'/0/i. */
  privateKey: Hex;
}

export interface Anvil {
  rpcUrl: string;
  host: string;
  port: number;
  chainId: number;
  mnemonic: string;
  accounts: DevAccount[];
  pid: number;
  /** Resolves with anvil's exit code (or signal name) once it has exited, for whatever reason. */
  exited: Promise<number | string | null>;
  /** Stops anvil (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export class AnvilOptionsError extends OpmlError {
  override name = "AnvilOptionsError";
  constructor(option: string, value: unknown, expected: string) {
    super(`invalid anvil option ${option}`, { details: `got ${JSON.stringify(value)}, expected ${expected}` });
  }
}

export class AnvilStartError extends OpmlError {
  override name = "AnvilStartError";
  readonly outputTail: string;
  constructor(shortMessage: string, outputTail: string, cause?: unknown) {
    super(shortMessage, { details: outputTail ? `anvil said:\n${outputTail}` : "anvil printed nothing", cause });
    this.outputTail = outputTail;
  }
}

/** anvil could not bind its port because something else is already listening there. */
export class AnvilPortInUseError extends AnvilStartError {
  override name = "AnvilPortInUseError";
  readonly port: number;
  constructor(host: string, port: number, outputTail: string) {
    super(`port ${port} on ${host} is already in use; pick another with --port, or 0 for a free one`, outputTail);
    this.port = port;
  }
}

/** Derives the dev accounts anvil funds for `mnemonic` (standard path m/44'/60'/0'/0/i). */
export function deriveDevAccounts(mnemonic: string, count: number): DevAccount[] {
  const out: DevAccount[] = [];
  for (let i = 0; i < count; i++) {
    const account = mnemonicToAccount(mnemonic, { addressIndex: i });
    const key = account.getHdKey().privateKey;
    if (!key) throw new OpmlError("could not derive a dev account key", { details: `index ${i}` });
    out.push({ address: account.address, privateKey: toHex(key) });
  }
  return out;
}

// Every anvil this process started and has not yet seen exit. Each runs in its own process group
// (so a terminal's Ctrl-C reaches only us and `opml devnet` can stop it in order), which means
// nothing kills it for us: we kill them all when this process exits, and on SIGINT/SIGTERM/SIGHUP
// when nobody else in this process handles the signal (then the signal is re-raised, so the
// process still dies of it as it would have). A process that handles these signals itself is
// responsible for calling stop().
const live = new Set<ChildProcess>();
let hooksInstalled = false;
const killAll = () => {
  for (const child of live) child.kill("SIGKILL");
};
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return; // someone else handles it
      killAll();
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

const TAIL_CHARS = 4000;
const appendTail = (tail: string, chunk: string) => (tail + chunk).slice(-TAIL_CHARS);

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AnvilOptionsError(name, value, `an integer in [${min}, ${max}]`);
  }
}

/** The URL host for an address anvil listens on (a wildcard address is reached through loopback). */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

async function rpcChainId(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(1000),
  });
  const body = (await res.json()) as { result?: string };
  if (typeof body.result !== "string") throw new Error(`unexpected eth_chainId answer ${JSON.stringify(body)}`);
  return Number(BigInt(body.result));
}

/**
 * Starts a local anvil with deterministic dev accounts and resolves once it answers JSON-RPC
 * (`eth_chainId`) with the requested chain id. Rejects with {@link AnvilPortInUseError} when the
 * port is taken and with {@link AnvilStartError} (carrying anvil's output tail) on any other failure.
 * The anvil process is killed by `stop()`, and in any case when this process exits.
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<Anvil> {
  const {
    port = 0,
    host = "127.0.0.1",
    blockTime,
    mixedMining = false,
    mnemonic = ANVIL_TEST_MNEMONIC,
    accounts = 10,
    chainId = ANVIL_DEFAULT_CHAIN_ID,
    silent = true,
    timeoutMs = 20_000,
  } = options;
  checkInt("port", port, 0, 65535);
  checkInt("accounts", accounts, 1, 1000);
  checkInt("chainId", chainId, 1, Number.MAX_SAFE_INTEGER);
  if (blockTime !== undefined && !(Number.isFinite(blockTime) && blockTime > 0)) {
    throw new AnvilOptionsError("blockTime", blockTime, "a positive number of seconds");
  }
  if (mnemonic.trim().split(/\s+/).length < 12) {
    throw new AnvilOptionsError("mnemonic", "(hidden)", "a BIP-39 mnemonic of at least 12 words");
  }
  const devAccounts = deriveDevAccounts(mnemonic, accounts);

  const args = ["--host", host, "--port", String(port), "--chain-id", String(chainId)];
  args.push("--accounts", String(accounts), "--mnemonic", mnemonic, "--color", "never");
  if (blockTime !== undefined) {
    args.push("--block-time", String(blockTime));
    if (mixedMining) args.push("--mixed-mining");
  }

  installHooks();
  // Its own process group: see `live` above.
  const child = spawn(foundryBinary("anvil"), args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  live.add(child);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve(code ?? signal);
    });
    child.once("error", () => {
      live.delete(child);
      resolve(null);
    });
  });

  let stdoutTail = "";
  let stderrTail = "";
  let listening: { host: string; port: number } | undefined;
  let onListening: (() => void) | undefined;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdoutTail = appendTail(stdoutTail, chunk);
    if (!silent) process.stderr.write(chunk);
    if (!listening) {
      const m = /Listening on (\S+):(\d+)/.exec(stdoutTail);
      if (m) {
        listening = { host: m[1]!, port: Number(m[2]) };
        onListening?.();
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderrTail = appendTail(stderrTail, chunk);
    if (!silent) process.stderr.write(chunk);
  });
  const tail = () => (stderrTail.trim() || stdoutTail.trim()).slice(-1500);

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || !live.has(child)) {
      await exited;
      return;
    }
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };

  try {
    // 1. Wait for anvil itself to say it listens: polling the port alone could reach another
    //    process that already holds it.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new AnvilStartError(`anvil did not start listening within ${timeoutMs} ms`, tail())),
        timeoutMs,
      );
      onListening = () => {
        clearTimeout(timer);
        resolve();
      };
      if (listening) onListening();
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(new AnvilStartError("could not run anvil", tail(), err));
      });
      void exited.then((code) => {
        clearTimeout(timer);
        if (/address already in use/i.test(stderrTail + stdoutTail)) {
          reject(new AnvilPortInUseError(host, port, tail()));
        } else {
          reject(new AnvilStartError(`anvil exited (${String(code)}) before it was ready`, tail()));
        }
      });
    });
    const actualPort = listening!.port;
    const rpcUrl = `http://${urlHost(host)}:${actualPort}`;

    // 2. Wait until it answers JSON-RPC with the chain id we asked for.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new AnvilStartError("anvil exited before it answered JSON-RPC", tail());
      }
      try {
        const id = await rpcChainId(rpcUrl);
        if (id !== chainId) {
          throw new AnvilStartError(`anvil at ${rpcUrl} answered chain id ${id}, expected ${chainId}`, tail());
        }
        break;
      } catch (err) {
        if (err instanceof AnvilStartError) throw err;
        if (Date.now() > deadline) {
          throw new AnvilStartError(
            `anvil at ${rpcUrl} did not answer eth_chainId within ${timeoutMs} ms`,
            tail(),
            err,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return {
      rpcUrl,
      host,
      port: actualPort,
      chainId,
      mnemonic,
      accounts: devAccounts,
      pid: child.pid!,
      exited,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
