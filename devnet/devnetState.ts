import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Address, Hex } from "viem";
import { OpmlError } from "../common/errors.ts";

/** Where `opml devnet` records the running devnet, relative to the working directory. */
export const DEFAULT_DEVNET_STATE_FILE = ".opml/devnet.json";

/** What `opml devnet` writes so that other commands can find the chain and the contracts. */
export interface DevnetState {
  version: 1;
  rpcUrl: string;
  chainId: number;
  /** The anvil process serving it. */
  pid: number;
  startedAt: string;
  /** Dev accounts, derived from Anvil's public test mnemonic: the keys are public. */
  accounts: { address: Address; privateKey: Hex }[];
  /** Deployed contracts by name. */
  contracts: Record<string, Address>;
  /** Manifest entries not deployed because their source does not exist yet. */
  missing: string[];
  /**
   * Seconds between blocks when interval mining is on (blocks are still mined on each transaction);
   * absent: a block per transaction only, and chain time stands still between transactions.
   */
  blockTime?: number;
  /**
   * Demo models registered with the oracle: name, id (decimal string), graph root, and `file`, the
   * absolute path of its `.opml` model file (what the daemons' `--models <id>=<file>` takes).
   */
  models?: { name: string; modelId: string; graphRoot: Hex; file?: string }[];
}

export class DevnetStateError extends OpmlError {
  override name = "DevnetStateError";
  constructor(shortMessage: string, details: string, cause?: unknown) {
    super(shortMessage, { details, cause });
  }
}

/** Writes the state file atomically (a temporary file, then a rename). */
export function writeDevnetState(state: DevnetState, file = DEFAULT_DEVNET_STATE_FILE): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/** Reads the state file of a running devnet; {@link DevnetStateError} when absent or malformed. */
export function readDevnetState(file = DEFAULT_DEVNET_STATE_FILE): DevnetState {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new DevnetStateError("no devnet is recorded", `${path} does not exist; start one with \`opml devnet\``);
  }
  let state: DevnetState;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as DevnetState;
  } catch (err) {
    throw new DevnetStateError("the devnet state file is not valid JSON", path, err);
  }
  if (state.version !== 1 || typeof state.rpcUrl !== "string" || typeof state.chainId !== "number") {
    throw new DevnetStateError("the devnet state file has an unknown shape", `${path}: expected version 1`);
  }
  return state;
}

/** Removes the state file if it still describes the devnet served by `pid` (a newer devnet's file is kept). */
export function removeDevnetState(pid: number, file = DEFAULT_DEVNET_STATE_FILE): void {
  const path = resolve(file);
  try {
    if (readDevnetState(path).pid !== pid) return;
  } catch {
    return;
  }
  rmSync(path, { force: true });
}
