/**
 * Deploying the opML system on any EVM chain, or reusing what is there: a plan first (each
 * contract's address, deployed or reused, every reused contract's runtime code checked), then the
 * transactions. Addresses of contracts still to deploy are predicted from the deployer's nonce, so
 * that a reused contract built against one of them is checked before anything is sent.
 */
import {
  encodeDeployData,
  getContractAddress,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import { OpmlError } from "../common/errors.ts";
import type { ContractSpec, DeployContext } from "./contractSpec.ts";
import {
  deployArtifact,
  DeployError,
  loadArtifacts,
  type DeployClients,
  type ForgeArtifact,
  type ProgressLog,
} from "./deploy.ts";

/** A contract to reuse holds other code than this build would deploy there with these arguments. */
export class ContractMismatchError extends OpmlError {
  override name = "ContractMismatchError";
  readonly contractName: string;
  readonly address: Address;
  constructor(contractName: string, address: Address, chainId: number, details: string) {
    super(`the contract at ${address} on chain ${chainId} is not this build's ${contractName}`, { details });
    this.contractName = contractName;
    this.address = address;
  }
}

export interface PlannedContract {
  spec: ContractSpec;
  /** Its address: the reused one, or the one the deployment will get (the deployer's nonce). */
  address: Address;
  action: "deploy" | "reuse";
  artifact: ForgeArtifact;
  /** Creation code with the constructor arguments. */
  deployData: Hex;
}

export interface DeploymentPlan {
  chainId: number;
  deployer: Address;
  /** The deployer's nonce the first deployment will use. */
  nonce: number;
  contracts: PlannedContract[];
}

/**
 * Plans the deployment of `specs` by `deployer`: each name in `reuse` is reused, the rest deployed
 * in order. A reused contract's runtime code must equal what its creation code with these
 * constructor arguments (other contracts at their planned addresses) returns: no code, another
 * contract, another build or other arguments are a {@link ContractMismatchError}. Sends nothing.
 */
export async function planDeployment(
  publicClient: PublicClient<Transport, Chain>,
  deployer: Address,
  specs: readonly ContractSpec[],
  reuse: Readonly<Record<string, Address>>,
  log: ProgressLog = () => {},
): Promise<DeploymentPlan> {
  const unknown = Object.keys(reuse).filter((name) => !specs.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new DeployError(unknown.join(", "), `not in the manifest (${specs.map((s) => s.name).join(", ")})`);
  const [chainId, nonce, artifacts] = await Promise.all([
    publicClient.getChainId(),
    publicClient.getTransactionCount({ address: deployer, blockTag: "pending" }),
    loadArtifacts(specs, log),
  ]);
  const contracts: PlannedContract[] = [];
  const context: DeployContext = {
    address(name) {
      const c = contracts.find((p) => p.spec.name === name);
      if (!c) throw new DeployError(name, "needed by a later contract but not planned before it");
      return c.address;
    },
  };
  let deployed = 0;
  for (const [i, spec] of specs.entries()) {
    const artifact = artifacts[i]!;
    const args = typeof spec.args === "function" ? spec.args(context) : (spec.args ?? []);
    const deployData = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args });
    const reused = reuse[spec.name];
    if (reused === undefined) {
      const address = getContractAddress({ from: deployer, nonce: BigInt(nonce + deployed++) });
      contracts.push({ spec, address, action: "deploy", artifact, deployData });
      continue;
    }
    log(`Checking ${spec.name} at ${reused}...`);
    await checkRuntimeCode(publicClient, chainId, spec.name, reused, deployData);
    contracts.push({ spec, address: reused, action: "reuse", artifact, deployData });
  }
  return { chainId, deployer, nonce, contracts };
}

/**
 * Throws {@link ContractMismatchError} unless the code at `address` is what `deployData` deploys:
 * the expected runtime code is the creation code's own result in an `eth_call` (immutables and
 * constructor arguments included), so the comparison is exact.
 */
export async function checkRuntimeCode(
  publicClient: PublicClient<Transport, Chain>,
  chainId: number,
  name: string,
  address: Address,
  deployData: Hex,
): Promise<void> {
  const code = (await publicClient.getCode({ address })) ?? "0x";
  if (code === "0x")
    throw new ContractMismatchError(name, address, chainId, "there is no contract at that address on this chain");
  const { data: expected } = await publicClient.call({ data: deployData });
  if (code.toLowerCase() === (expected ?? "0x").toLowerCase()) return;
  throw new ContractMismatchError(
    name,
    address,
    chainId,
    `its runtime code (${(code.length - 2) / 2} bytes) differs from what this build deploys with these constructor ` +
      `arguments (${((expected ?? "0x").length - 2) / 2} bytes): another contract, another compiler build, other ` +
      "parameters, or built against other addresses; deploy it afresh (--fresh) or name the right address",
  );
}

export interface DeploymentResult {
  contracts: { name: string; address: Address; action: "deploy" | "reuse"; txHash?: Hex; gasUsed?: bigint }[];
  /** The block of the first contract deployed; absent when every contract was reused. */
  firstBlock?: bigint;
}

/** Sends the plan's deployments in order; each lands at its planned address or {@link DeployError}. */
export async function executeDeployment(
  clients: DeployClients & { walletClient: { account: Account } },
  plan: DeploymentPlan,
  log: ProgressLog = () => {},
): Promise<DeploymentResult> {
  const out: DeploymentResult["contracts"] = [];
  let firstBlock: bigint | undefined;
  for (const c of plan.contracts) {
    if (c.action === "reuse") {
      out.push({ name: c.spec.name, address: c.address, action: "reuse" });
      continue;
    }
    log(`Deploying ${c.spec.name}...`);
    const args = typeof c.spec.args === "function" ? c.spec.args({ address: (n) => addressIn(plan, n) }) : c.spec.args;
    const d = await deployArtifact(clients, c.artifact, args ?? []);
    if (d.address !== c.address)
      throw new DeployError(
        c.spec.name,
        `it landed at ${d.address}, not at the planned ${c.address}: the deployer ${plan.deployer} sent another transaction meanwhile; run the deployment again`,
      );
    out.push({ name: d.name, address: d.address, action: "deploy", txHash: d.txHash, gasUsed: d.gasUsed });
    firstBlock ??= d.blockNumber;
  }
  return firstBlock === undefined ? { contracts: out } : { contracts: out, firstBlock };
}

function addressIn(plan: DeploymentPlan, name: string): Address {
  const c = plan.contracts.find((p) => p.spec.name === name);
  if (!c) throw new DeployError(name, "needed by a later contract but not planned");
  return c.address;
}
