/**
 * The deployment file, `.opml/deployment.json`: where `opml deploy` records the contracts it
 * deployed or reused on a chain, for the other commands to read (`readDeploymentFile`).
 *
 *     { "version": 1, "chainId": 17000, "deployedAt": 1234,
 *       "contracts": { "StepVerifier": "0x…", "PhaseBoundary": "0x…", "DisputeGame": "0x…", "OpmlOracle": "0x…" },
 *       "params": { "k": "4", … } }
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { getAddress, isAddress, type Address } from "viem";
import { OpmlError } from "../common/errors.ts";

/** Where `opml deploy` writes, and the other commands look, by default. */
export const DEFAULT_DEPLOYMENT_FILE = ".opml/deployment.json";

export interface DeploymentFile {
  version: 1;
  chainId: number;
  /** Contract name → address (checksummed), in deployment order. */
  contracts: Record<string, Address>;
  /** The block of the latest contract deployed (the first block worth scanning for events). */
  deployedAt: number;
  /** The constructor parameters deployed with (decimal strings), for the record. */
  params?: Record<string, string>;
}

/** The deployment file is missing, unreadable or not of the shape above. */
export class DeploymentFileError extends OpmlError {
  override name = "DeploymentFileError";
  readonly path: string;
  constructor(path: string, shortMessage: string, details: string, cause?: unknown) {
    super(shortMessage, { details, cause });
    this.path = path;
  }
}

/** Writes the deployment file atomically (a temporary file, then a rename); returns its absolute path. */
export function writeDeploymentFile(deployment: DeploymentFile, file = DEFAULT_DEPLOYMENT_FILE): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}

/**
 * Reads and checks a deployment file: version 1, a positive integer chain id and block, every
 * contract a valid address (returned checksummed). Throws {@link DeploymentFileError} naming the
 * file and what is wrong with it.
 */
export function readDeploymentFile(file = DEFAULT_DEPLOYMENT_FILE): DeploymentFile {
  const path = resolve(file);
  if (!existsSync(path))
    throw new DeploymentFileError(path, "no deployment is recorded", `${path} does not exist; run \`opml deploy\``);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new DeploymentFileError(path, "the deployment file is not valid JSON", path, err);
  }
  const bad = (what: string) =>
    new DeploymentFileError(
      path,
      `the deployment file has an unknown shape: ${what}`,
      `${path} (written by \`opml deploy\`)`,
    );
  const d = raw as Partial<DeploymentFile> | null;
  if (typeof d !== "object" || d === null || d.version !== 1) throw bad("expected version 1");
  if (!Number.isSafeInteger(d.chainId) || d.chainId! <= 0) throw bad("chainId is not a positive integer");
  if (!Number.isSafeInteger(d.deployedAt) || d.deployedAt! < 0) throw bad("deployedAt is not a block number");
  if (typeof d.contracts !== "object" || d.contracts === null) throw bad("no contracts");
  const contracts: Record<string, Address> = {};
  for (const [name, address] of Object.entries(d.contracts)) {
    if (typeof address !== "string" || !isAddress(address, { strict: false }))
      throw bad(`contracts.${name} is not an address`);
    contracts[name] = getAddress(address);
  }
  return {
    version: 1,
    chainId: d.chainId!,
    contracts,
    deployedAt: d.deployedAt!,
    ...(d.params ? { params: d.params } : {}),
  };
}
