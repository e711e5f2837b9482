/**
 * The devnet's deployment: every contract of the manifest whose source exists (chain/deploy.ts),
 * with the demo model (dnn-lib's tiny-mlp) compiled and registered on the oracle as soon as it is
 * deployed.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex, type Address, type Hex } from "viem";
import {
  deployContracts,
  DeployError,
  DEVNET_CONTRACTS,
  MODEL_TERMS,
  type ContractSpec,
  type DeployClients,
  type DeployedContract,
  type ProgressLog,
} from "../chain/deploy.ts";
import { REPO_ROOT } from "../chain/foundry.ts";
import type { ModelTerms } from "../chain/modelTerms.ts";
import { tinyMlp } from "../dnn-lib/models/tiny.ts";
import { compileModel, type CompiledModel } from "../phase/compileModel.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";

export interface ManifestDeployment {
  deployed: DeployedContract[];
  /** Manifest entries not deployed because their source does not exist yet. */
  missing: ContractSpec[];
  /** The demo model, registered with {@link MODEL_TERMS} when the manifest holds OpmlOracle. */
  model?: DemoModel;
}

/** The demo model as registered: dnn-lib's tiny-mlp (3 nodes, 16 input bytes, 3 int8 logits). */
export interface DemoModel {
  name: string;
  modelId: bigint;
  compiled: CompiledModel;
  /** The registerModel transaction. */
  txHash: Hex;
  gasUsed: bigint;
}

/** Compiles the demo model (dnn-lib's tiny-mlp): program, graph and weights commitments. */
export async function compileDemoModel(): Promise<CompiledModel> {
  return compileModel(tinyMlp());
}

/** Registers a compiled model with `terms` (default {@link MODEL_TERMS}); returns its id and the receipt's gas. */
export async function registerModel(
  clients: DeployClients,
  oracle: Address,
  compiled: CompiledModel,
  terms: ModelTerms = MODEL_TERMS,
): Promise<{ modelId: bigint; txHash: Hex; gasUsed: bigint }> {
  const m = compiled.commitment;
  const { request, result } = await clients.publicClient.simulateContract({
    address: oracle,
    abi: opmlOracleAbi,
    functionName: "registerModel",
    account: clients.walletClient.account,
    args: [
      {
        programRoot: bytesToHex(m.programRoot),
        graphRoot: bytesToHex(m.graphRoot),
        weightsRoot: bytesToHex(m.weightsRoot),
        nodeCount: m.nodeCount,
        inputSlot: m.inputSlot,
        inputLength: m.inputLength,
        inputTokenBound: m.inputTokenBound,
        outputSlot: m.outputSlot,
        outputLength: m.outputLength,
        ...terms,
      },
    ],
  });
  const txHash = await clients.walletClient.writeContract(request);
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new DeployError("registerModel", `reverted (tx ${txHash})`);
  return { modelId: result, txHash, gasUsed: receipt.gasUsed };
}

/**
 * Deploys every manifest entry whose source exists (building artifacts first if needed) and
 * lists the rest as missing. A source that exists but does not compile is an error, not "missing".
 */
export async function deployManifest(
  clients: DeployClients,
  manifest: readonly ContractSpec[] = DEVNET_CONTRACTS,
  log: ProgressLog = () => {},
): Promise<ManifestDeployment> {
  const present = manifest.filter((s) => existsSync(join(REPO_ROOT, s.source)));
  const missing = manifest.filter((s) => !present.includes(s));
  let model: DemoModel | undefined;
  const deployed =
    present.length > 0
      ? await deployContracts(clients, present, log, {
          async afterEach(d, context) {
            if (d.name !== "OpmlOracle") return;
            log("Registering the demo model (tiny-mlp)...");
            const compiled = await compileDemoModel();
            const r = await registerModel(clients, d.address, compiled);
            model = { name: "tiny-mlp", compiled, ...r };
            context.modelId = r.modelId;
          },
        })
      : [];
  return model ? { deployed, missing, model } : { deployed, missing };
}
