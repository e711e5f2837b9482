/**
 * Shared set-up for the SDK, daemon and e2e tests: an anvil with the real contracts
 * (StepVerifier, PhaseBoundary, DisputeGame, OpmlOracle, the ClassifierGate example dapp) deployed
 * from the forge artifacts, and tiny-mlp (dnn-lib's 3-node test model) compiled and registered
 * with the commitment dnn-lib computes. Nothing here is a mock.
 */
import { bytesToHex, createTestClient, http, type Address, type Hex } from "viem";
import { startAnvil, type Anvil } from "../common/anvil.ts";
import { devClients, type DevClients } from "../common/chain.ts";
import { deployContracts, type ContractSpec } from "../common/deploy.ts";
import { compileModel, type CompiledModel } from "../dnn-lib/src/model/compileModel.ts";
import { tinyMlp } from "../dnn-lib/test/tinyModels.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";

export const SYSTEM: Record<string, ContractSpec> = {
  StepVerifier: { name: "StepVerifier", source: "contracts/src/vm/StepVerifier.sol", description: "" },
  PhaseBoundary: { name: "PhaseBoundary", source: "contracts/src/phase/PhaseBoundary.sol", description: "" },
  DisputeGame: { name: "DisputeGame", source: "contracts/src/game/DisputeGame.sol", description: "" },
  OpmlOracle: { name: "OpmlOracle", source: "contracts/src/oracle/OpmlOracle.sol", description: "" },
  ClassifierGate: { name: "ClassifierGate", source: "contracts/src/examples/ClassifierGate.sol", description: "" },
};

export const GAME = { k: 4n, stepDepth: 32n, clockBudget: 600n, phase2Extension: 120n, stepExtension: 60n };
export const MODEL_TERMS = {
  maxCallbackGas: 500_000,
  challengeWindow: 100n,
  fee: 10n ** 15n,
  feePerCallbackGas: 10n ** 9n,
  submitterBond: 10n ** 17n,
  challengerBond: 5n * 10n ** 16n,
};

export interface System {
  anvil: Anvil;
  /** One client set per dev account: 0 deploys, 1 requests (the dapp user), 2 submits, 3 challenges. */
  clients: DevClients[];
  oracle: Address;
  game: Address;
  dapp: Address;
  modelId: bigint;
  compiled: CompiledModel;
  /** Advances anvil's clock by `seconds` and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem(): Promise<System> {
  const anvil = await startAnvil({ port: 0, accounts: 6 });
  try {
    const clients = anvil.accounts.map((a) => devClients(anvil.rpcUrl, anvil.chainId, a.privateKey));
    const c0 = clients[0]!;
    const [verifier, boundary] = await deployContracts(c0, [SYSTEM.StepVerifier!, SYSTEM.PhaseBoundary!]);
    const [game] = await deployContracts(c0, [
      {
        ...SYSTEM.DisputeGame!,
        args: [
          GAME.k,
          GAME.stepDepth,
          GAME.clockBudget,
          GAME.phase2Extension,
          GAME.stepExtension,
          verifier!.address,
          boundary!.address,
        ],
      },
    ]);
    const [oracle] = await deployContracts(c0, [{ ...SYSTEM.OpmlOracle!, args: [game!.address, 5000n, 3600n] }]);
    const compiled = await compileModel(tinyMlp());
    const modelId = await registerCompiled(c0, oracle!.address, compiled);
    const [dapp] = await deployContracts(c0, [{ ...SYSTEM.ClassifierGate!, args: [oracle!.address, modelId, 3] }]);
    const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    return {
      anvil,
      clients,
      oracle: oracle!.address,
      game: game!.address,
      dapp: dapp!.address,
      modelId,
      compiled,
      async advance(seconds: number) {
        await test.increaseTime({ seconds });
        await test.mine({ blocks: 1 });
      },
      stop: () => anvil.stop(),
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/** Registers a compiled model with MODEL_TERMS; returns its id. */
export async function registerCompiled(c: DevClients, oracle: Address, compiled: CompiledModel): Promise<bigint> {
  const m = compiled.commitment;
  const hex = (b: Uint8Array): Hex => bytesToHex(b);
  const { request, result } = await c.publicClient.simulateContract({
    address: oracle,
    abi: opmlOracleAbi,
    functionName: "registerModel",
    account: c.walletClient.account,
    args: [
      {
        programRoot: hex(m.programRoot),
        graphRoot: hex(m.graphRoot),
        weightsRoot: hex(m.weightsRoot),
        nodeCount: m.nodeCount,
        inputSlot: m.inputSlot,
        inputLength: m.inputLength,
        outputSlot: m.outputSlot,
        outputLength: m.outputLength,
        ...MODEL_TERMS,
      },
    ],
  });
  const hash = await c.walletClient.writeContract(request);
  await c.publicClient.waitForTransactionReceipt({ hash });
  return result;
}
