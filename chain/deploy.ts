import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import {
  BaseError,
  getAddress,
  isHex,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
} from "viem";
import type { Transport, WalletClient } from "viem";
import { OpmlError } from "../common/errors.ts";
import { withFileLock } from "../common/fileLock.ts";
import type { ContractSpec, DeployContext } from "./contractSpec.ts";
import { foundryBinary, REPO_ROOT } from "./foundry.ts";
import type { ModelTerms } from "./modelTerms.ts";
import { DEFAULT_SYSTEM_PARAMS as P, systemContracts } from "./systemParams.ts";

export type { ContractSpec, DeployContext } from "./contractSpec.ts";

/** DisputeGame's constructor parameters on the devnet (and in the e2e tests). */
export const GAME = {
  k: P.k,
  stepDepth: P.stepDepth,
  clockBudget: P.clockBudget,
  phase2Extension: P.phase2Extension,
  stepExtension: P.stepExtension,
};
/** OpmlOracle's constructor parameters: half of a loser's bond burned, unanswered requests time out after 1 h. */
export const ORACLE = { burnBps: P.burnBps, requestTimeout: P.requestTimeout };
/** The terms the demo model is registered with. */
export const MODEL_TERMS: ModelTerms = {
  maxCallbackGas: 500_000,
  challengeWindow: 100n,
  fee: 10n ** 15n,
  feePerCallbackGas: 10n ** 9n,
  submitterBond: 10n ** 17n,
  challengerBond: 5n * 10n ** 16n,
};
/** How many labels the demo dapp (ClassifierGate) tells apart. */
export const DAPP_LABELS = 3;

/** The opML system, in deployment order: the demo model is registered right after OpmlOracle. */
export const SYSTEM_CONTRACTS: readonly ContractSpec[] = [
  ...systemContracts(),
  {
    name: "ClassifierGate",
    source: "contracts/src/examples/ClassifierGate.sol",
    description: "example dapp: asks the oracle to classify an item, labelled by the callback",
    args: (d) => {
      if (d.modelId === undefined) throw new DeployError("ClassifierGate", "no demo model registered before it");
      return [d.address("OpmlOracle"), d.modelId, DAPP_LABELS];
    },
  },
];

/**
 * The one list of contracts `opml devnet`, the demo and the devnet tests deploy, in order.
 * An entry whose source does not exist yet is reported as missing, never faked.
 */
export const DEVNET_CONTRACTS: readonly ContractSpec[] = [
  {
    name: "CommitmentVerifier",
    source: "contracts/src/commitment/CommitmentVerifier.sol",
    description: "Merkle proofs, tensor roots, slot leaves and slot writes (docs/protocol.md §2-3)",
  },
  ...SYSTEM_CONTRACTS,
];

export const FORGE_OUT_DIR = join(REPO_ROOT, "contracts", "out");
const FORGE_SRC_DIR = join(REPO_ROOT, "contracts", "src");
const FORGE_CACHE_FILE = join(REPO_ROOT, "contracts", "cache", "solidity-files-cache.json");
/** Held while building or reading artifacts, so that concurrent tests never read a half-written one. */
const BUILD_LOCK = join(REPO_ROOT, ".opml", "forge-build.lock");

/** A compiled contract, read from a forge artifact. */
export interface ForgeArtifact {
  contractName: string;
  abi: Abi;
  /** Creation bytecode. */
  bytecode: Hex;
  /** The artifact file it was read from. */
  path: string;
}

export class ArtifactNotFoundError extends OpmlError {
  override name = "ArtifactNotFoundError";
  readonly contractName: string;
  constructor(contractName: string, outDir: string) {
    super(`no compiled artifact for contract ${contractName}`, {
      details: `nothing named ${contractName}.json under ${relative(process.cwd(), outDir) || "."}; run \`npx forge build\` (the contract must exist under contracts/src)`,
    });
    this.contractName = contractName;
  }
}

export class ArtifactInvalidError extends OpmlError {
  override name = "ArtifactInvalidError";
  constructor(path: string, problem: string, cause?: unknown) {
    super(`unusable forge artifact ${relative(process.cwd(), path)}`, { details: problem, cause });
  }
}

export class ForgeBuildError extends OpmlError {
  override name = "ForgeBuildError";
  readonly output: string;
  constructor(output: string, cause?: unknown) {
    super("`forge build` failed", { details: output.slice(-3000) || "forge printed nothing", cause });
    this.output = output;
  }
}

export class DeployError extends OpmlError {
  override name = "DeployError";
  constructor(contractName: string, problem: string, cause?: unknown) {
    super(`could not deploy ${contractName}`, { details: problem, cause });
  }
}

function findArtifactFile(name: string, outDir: string, source?: string): string | undefined {
  const file = source ? source.split("/").pop()! : `${name}.sol`;
  const direct = join(outDir, file, `${name}.json`);
  if (existsSync(direct)) return direct;
  if (!existsSync(outDir)) return undefined;
  const hits = readdirSync(outDir)
    .map((dir) => join(outDir, dir, `${name}.json`))
    .filter((p) => existsSync(p));
  if (hits.length > 1) {
    throw new ArtifactInvalidError(hits[0]!, `contract name ${name} is ambiguous: ${hits.join(", ")}`);
  }
  return hits[0];
}

/**
 * Loads the forge artifact of contract `name` from `contracts/out` (or `outDir`). Throws
 * {@link ArtifactNotFoundError} when it is not there (run `forge build`) and
 * {@link ArtifactInvalidError} when it cannot be deployed as is (abstract, interface, unlinked).
 */
export function loadArtifact(name: string, options: { outDir?: string; source?: string } = {}): ForgeArtifact {
  const outDir = options.outDir ?? FORGE_OUT_DIR;
  const path = findArtifactFile(name, outDir, options.source);
  if (!path) throw new ArtifactNotFoundError(name, outDir);
  let json: { abi?: unknown; bytecode?: { object?: unknown; linkReferences?: Record<string, unknown> } };
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as typeof json;
  } catch (err) {
    throw new ArtifactInvalidError(path, "not valid JSON", err);
  }
  if (!Array.isArray(json.abi)) throw new ArtifactInvalidError(path, "no `abi` array");
  let object = json.bytecode?.object;
  if (typeof object !== "string") throw new ArtifactInvalidError(path, "no `bytecode.object`");
  if (!object.startsWith("0x")) object = `0x${object}`;
  if (Object.keys(json.bytecode?.linkReferences ?? {}).length > 0) {
    throw new ArtifactInvalidError(
      path,
      "the bytecode needs external libraries linked; deploying those is not supported",
    );
  }
  if (!isHex(object, { strict: true }) || object.length <= 2) {
    throw new ArtifactInvalidError(path, "empty or non-hex creation bytecode (an abstract contract or an interface?)");
  }
  return { contractName: name, abi: json.abi as Abi, bytecode: object, path };
}

function newestSolidityMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSolidityMtime(p));
    else if (entry.name.endsWith(".sol")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Whether `forge build` must run before `specs` can be loaded: an artifact is missing for a
 * source that exists, or a Solidity source (or foundry.toml) changed since forge last built.
 */
export function artifactsStale(specs: readonly ContractSpec[] = DEVNET_CONTRACTS): boolean {
  for (const spec of specs) {
    if (existsSync(join(REPO_ROOT, spec.source)) && !findArtifactFile(spec.name, FORGE_OUT_DIR, spec.source)) {
      return true;
    }
  }
  if (!existsSync(FORGE_CACHE_FILE)) return newestSolidityMtime(FORGE_SRC_DIR) > 0;
  const built = statSync(FORGE_CACHE_FILE).mtimeMs;
  const toml = join(REPO_ROOT, "foundry.toml");
  return newestSolidityMtime(FORGE_SRC_DIR) > built || (existsSync(toml) && statSync(toml).mtimeMs > built);
}

/**
 * Runs `forge build` in the repository (fast when nothing changed). With `sources` (paths relative
 * to the repository root) only those files and their imports are compiled, so that a contract
 * someone is still writing elsewhere cannot break the build. Throws {@link ForgeBuildError}.
 */
export function forgeBuild(sources: readonly string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      foundryBinary("forge"),
      ["build", "--color", "never", ...sources],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new ForgeBuildError(`${stdout}\n${stderr}`.trim(), err));
        else resolve();
      },
    );
  });
}

/**
 * Runs `forge build` when {@link artifactsStale}, compiling only the specs' existing sources when
 * every spec names one (the whole project otherwise); says whether it ran.
 */
export async function ensureArtifacts(
  specs: readonly ContractSpec[] = DEVNET_CONTRACTS,
  log: ProgressLog = () => {},
): Promise<boolean> {
  return withFileLock(BUILD_LOCK, () => ensureArtifactsUnlocked(specs, log));
}

async function ensureArtifactsUnlocked(specs: readonly ContractSpec[], log: ProgressLog): Promise<boolean> {
  if (!artifactsStale(specs)) return false;
  const named = specs.length > 0 && specs.every((s) => s.source);
  const sources = specs.filter((s) => s.source && existsSync(join(REPO_ROOT, s.source))).map((s) => s.source);
  if (named && sources.length === 0) return false; // none of them is written yet: nothing to build
  log(`Compiling ${named ? sources.join(", ") : "the contracts"} (forge build)...`);
  await forgeBuild(named ? sources : []);
  return true;
}

/** Builds stale artifacts and loads each spec's, under the build lock (see {@link ensureArtifacts}). */
export async function loadArtifacts(
  specs: readonly ContractSpec[],
  log: ProgressLog = () => {},
): Promise<ForgeArtifact[]> {
  return withFileLock(BUILD_LOCK, async () => {
    await ensureArtifactsUnlocked(specs, log);
    return specs.map((spec) => loadArtifact(spec.name, spec.source ? { source: spec.source } : {}));
  });
}

/** Receives one line of progress (building, deploying). */
export type ProgressLog = (line: string) => void;

/** What deploying needs: a wallet client with an account, and a public client for receipts. */
export interface DeployClients {
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
}

export interface DeployedContract {
  name: string;
  address: Address;
  abi: Abi;
  txHash: Hex;
  gasUsed: bigint;
  /** The block it was deployed in. */
  blockNumber: bigint;
}

/** Deploys one compiled contract and waits for its receipt. Throws {@link DeployError}. */
export async function deployArtifact(
  clients: DeployClients,
  artifact: ForgeArtifact,
  args: readonly unknown[] = [],
): Promise<DeployedContract> {
  const name = artifact.contractName;
  let txHash: Hex;
  try {
    txHash = await clients.walletClient.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args,
    });
  } catch (err) {
    // viem's own message carries the whole creation code: its short message says what went wrong.
    if (err instanceof BaseError)
      throw new DeployError(
        name,
        `the deployment transaction was not accepted: ${err.shortMessage} (deployer ${clients.walletClient.account.address})`,
      );
    throw new DeployError(name, "the deployment transaction was not accepted", err);
  }
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new DeployError(name, `the constructor reverted (tx ${txHash}, gas used ${receipt.gasUsed})`);
  }
  return {
    name,
    address: getAddress(receipt.contractAddress),
    abi: artifact.abi,
    txHash,
    gasUsed: receipt.gasUsed,
    blockNumber: receipt.blockNumber,
  };
}

/**
 * Deploys contracts by name (or spec), in order, after building stale artifacts; returns each
 * deployment. Every name must have an artifact ({@link ArtifactNotFoundError} otherwise).
 */
export async function deployContracts(
  clients: DeployClients,
  contracts: readonly (string | ContractSpec)[],
  log: ProgressLog = () => {},
  options: {
    /** Runs after each deployment, before the next (may set `context.modelId`). */
    afterEach?: (deployed: DeployedContract, context: DeployContext) => Promise<void>;
    context?: Partial<DeployContext>;
  } = {},
): Promise<DeployedContract[]> {
  const specs = contracts.map((c) =>
    typeof c === "string"
      ? (DEVNET_CONTRACTS.find((s) => s.name === c) ?? { name: c, source: "", description: "" })
      : c,
  );
  const artifacts = await loadArtifacts(specs, log);
  const out: DeployedContract[] = [];
  const context: DeployContext = {
    address(name) {
      const d = out.find((c) => c.name === name);
      if (!d) throw new DeployError(name, "needed by a later contract but not deployed before it");
      return d.address;
    },
    ...options.context,
  };
  for (const [i, spec] of specs.entries()) {
    log(`Deploying ${spec.name}...`);
    const args = typeof spec.args === "function" ? spec.args(context) : (spec.args ?? []);
    out.push(await deployArtifact(clients, artifacts[i]!, args));
    await options.afterEach?.(out[out.length - 1]!, context);
  }
  return out;
}
