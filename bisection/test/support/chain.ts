/**
 * Test support: an anvil with the forge-built DisputeGame and helpers to send moves and read games.
 * The chain and the contract are real; nothing here is a mock.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createWalletClient, http, nonceManager, type Abi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startAnvil, type Anvil } from "../../../chain/anvil.ts";
import { DEV_POLLING_INTERVAL_MS, devClients, type DevClients } from "../../../chain/devClients.ts";
import { deployArtifact, deployContracts, type ForgeArtifact } from "../../../chain/deploy.ts";
import type { GameView } from "../../GameView.ts";

export const DISPUTE_GAME = { name: "DisputeGame", source: "contracts/src/game/DisputeGame.sol", description: "" };

export interface Chain {
  anvil: Anvil;
  /** One client set per dev account: 0 deploys and creates games, 1 defends, 2 challenges. */
  clients: DevClients[];
  stop(): Promise<void>;
}

export async function startChain(): Promise<Chain> {
  const anvil = await startAnvil({ port: 0, accounts: 4 });
  const clients = anvil.accounts.map((a) => {
    const c = devClients(anvil.rpcUrl, anvil.chainId, a.privateKey);
    // Nonces counted locally: a move is then one RPC to send it.
    const account = privateKeyToAccount(a.privateKey, { nonceManager });
    const walletClient = createWalletClient({
      chain: c.chain,
      transport: http(anvil.rpcUrl),
      account,
      pollingInterval: DEV_POLLING_INTERVAL_MS,
    });
    return { ...c, walletClient };
  });
  return { anvil, clients, stop: () => anvil.stop() };
}

/** The part of solc's standard-JSON output the tests read (abi and evm.bytecode.object selected). */
export interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
}

/** Runs the npm solc (the compiler forge wraps here) on a standard-JSON input. */
export function solcCompile(input: object): SolcOutput {
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  return JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
}

/** Compiles a Solidity file of this test folder with the npm solc. */
export function compileTestContract(file: string, name: string): ForgeArtifact {
  const path = new URL(file, import.meta.url).pathname;
  const output = solcCompile({
    language: "Solidity",
    sources: { [file]: { content: readFileSync(path, "utf8") } },
    settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  });
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = output.contracts[file]?.[name];
  if (!c) throw new Error(`solc produced no contract ${name} in ${file}`);
  return { contractName: name, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, path };
}

export async function deployHarness(
  c: DevClients,
  file: string,
  name: string,
): Promise<{ address: Address; abi: Abi }> {
  const d = await deployArtifact(c, compileTestContract(file, name));
  return { address: d.address, abi: d.abi };
}

export interface GameParams {
  k: bigint;
  stepDepth: bigint;
  clockBudget?: bigint;
  verifier: Address;
  boundary: Address;
}

/** Deploys the forge-built DisputeGame (building stale artifacts first) and returns a handle. */
export async function deployGame(chain: Chain, p: GameParams): Promise<GameHandle> {
  const [d] = await deployContracts(chain.clients[0]!, [
    {
      ...DISPUTE_GAME,
      args: [p.k, p.stepDepth, p.clockBudget ?? 86_400n, 3_600n, 1_800n, p.verifier, p.boundary],
    },
  ]);
  return new GameHandle(chain, d!.address, d!.abi);
}

/** A deployed DisputeGame: sends each move from the right account and waits for its receipt. */
export class GameHandle {
  constructor(
    readonly chain: Chain,
    readonly address: Address,
    readonly abi: Abi,
  ) {}

  async send(from: number, functionName: string, args: readonly unknown[]): Promise<{ gasUsed: bigint }> {
    const c = this.chain.clients[from]!;
    // Fixed gas and fees, no estimate: a move's gas depends on the block time (a clock slot
    // rewritten with a new value costs more than with the same one), so an estimate taken in the
    // second before mining can fall short; and it saves round trips.
    const hash = await c.walletClient.writeContract({
      address: this.address,
      abi: this.abi,
      functionName,
      args,
      gas: 3_000_000n,
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1n,
    });
    // anvil automines on submission: the receipt is normally there at once.
    const r = await c.publicClient
      .getTransactionReceipt({ hash })
      .catch(() => c.publicClient.waitForTransactionReceipt({ hash }));
    if (r.status !== "success") {
      // Replay it as a call on the block before, for the revert reason.
      const reason = await c.publicClient
        .simulateContract({
          address: this.address,
          abi: this.abi,
          functionName,
          args,
          account: c.walletClient.account,
          blockNumber: r.blockNumber - 1n,
        })
        .then(
          () => `no revert when replayed (gas used ${r.gasUsed})`,
          (e: Error) => e.message,
        );
      throw new Error(`${functionName} reverted (tx ${hash}): ${reason}`);
    }
    return { gasUsed: r.gasUsed };
  }

  read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.chain.clients[0]!.publicClient.readContract({
      address: this.address,
      abi: this.abi,
      functionName,
      args,
    }) as Promise<T>;
  }

  getGame(id: bigint): Promise<GameView> {
    return this.read<GameView>("getGame", [id]);
  }

  /** Creates a game from account 0 with defender = account 1, challenger = account 2; its id. */
  async create(model: ModelTuple, startState: Hex, claimedState: Hex): Promise<bigint> {
    await this.send(0, "createGame", [
      this.chain.anvil.accounts[1]!.address,
      this.chain.anvil.accounts[2]!.address,
      model,
      startState,
      claimedState,
    ]);
    return this.read<bigint>("gameCount");
  }
}

export interface ModelTuple {
  programRoot: Hex;
  graphRoot: Hex;
  weightsRoot: Hex;
  nodeCount: number;
}

export const DEFENDER = 1;
export const CHALLENGER = 2;
export const ANYONE = 3;
