/**
 * Test support: a party's local truth read from the toy-VM test double the game tests use
 * (contracts/test/game/ToyVm.sol, `ToyWorld`, deployed on anvil), behind the bisection trace
 * providers. A party is honest or lies at (lieNode, lieStep) and stays consistent with its lie.
 */
import { decodeAbiParameters, type Abi, type Address, type Hex } from "viem";
import { GraphStateTrace, vmStatusOf, vmTrace, VM_RUNNING, type TraceProvider, type VmRun } from "../../index.ts";
import type { Chain } from "./chain.ts";

export const HONEST = (1n << 256n) - 1n;

export class ToyChainWorld {
  constructor(
    readonly chain: Chain,
    readonly address: Address,
    readonly abi: Abi,
  ) {}

  read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.chain.clients[0]!.publicClient.readContract({
      address: this.address,
      abi: this.abi,
      functionName,
      args,
    }) as Promise<T>;
  }
}

export interface ToyParty {
  lieNode: bigint;
  lieStep: bigint;
}

export async function graphOf(w: ToyChainWorld, p: ToyParty, n: bigint, steps: bigint): Promise<Hex[]> {
  return [...(await w.read<readonly Hex[]>("graphStates", [n, steps, p.lieNode, p.lieStep]))];
}

export function level1(graph: Hex[]): TraceProvider {
  return new GraphStateTrace(graph);
}

/**
 * The level-2 provider of node `node` from S_i, as the VM team's would be: a {@link VmRun} whose
 * final step is found by bisecting the run's status (the first halted or trapped state), wrapped by
 * `vmTrace` for the fixed-point padding.
 */
export async function level2(
  w: ToyChainWorld,
  p: ToyParty,
  sI: Hex,
  node: bigint,
  stepDepth: bigint,
): Promise<TraceProvider> {
  const lie = node === p.lieNode ? p.lieStep : HONEST;
  const at = (t: bigint) => w.read<Hex>("hashAt", [sI, node, t, lie]);
  let lo = 0n;
  let hi = 1n << stepDepth; // the run is over by 2^D steps (the game's level-2 range)
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if (vmStatusOf(await at(mid)) === VM_RUNNING) lo = mid + 1n;
    else hi = mid;
  }
  const run: VmRun = { finalStep: lo, stateHashAt: at };
  return vmTrace(run, stepDepth);
}

/** The pre-state witness of step `t` and the instruction proof the toy step verifier needs. */
export async function stepWitness(
  w: ToyChainWorld,
  p: ToyParty,
  sI: Hex,
  node: bigint,
  t: bigint,
): Promise<{ witness: Hex; proof: Hex }> {
  const witness = await w.read<Hex>("witnessAt", [sI, node, t, node === p.lieNode ? p.lieStep : HONEST]);
  const [pc] = decodeAbiParameters(
    [{ type: "uint64" }, { type: "uint8" }, { type: "bytes32" }, { type: "bytes32" }],
    witness,
  );
  return { witness, proof: await w.read<Hex>("proofFor", [pc]) };
}
