import {
  BaseError,
  ContractFunctionRevertedError,
  toHex,
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import { rootFromLeaf, SLOT_DEPTH, SlotTree, tensorRoot, tensorSlotLeaf, verifyLeaf } from "../commitment/index.ts";

/** One value computed twice: by the TypeScript commitment library and by the deployed contract. */
export interface CommitmentCheck {
  what: string;
  typescript: string;
  onChain: string;
  agree: boolean;
}

/** A deterministic int8 tensor of `n` bytes (no randomness: the demo prints the same every run). */
export function demoTensor(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 37 + seed * 101 + 11) & 0xff;
  return out;
}

const hex = (b: Uint8Array): Hex => toHex(b);

/**
 * Computes tensor roots, a slot leaf, a slot-tree inclusion proof, a slot write and a tampered
 * proof with the TypeScript library, has the deployed CommitmentVerifier at `address` compute or
 * check the same, and returns both sides of each. Nothing here is assumed: every on-chain value
 * is read from the contract.
 */
export async function checkCommitmentVerifier(
  client: PublicClient<Transport, Chain>,
  address: Address,
  abi: Abi,
): Promise<CommitmentCheck[]> {
  const call = (functionName: string, args: unknown[]) => client.readContract({ address, abi, functionName, args });
  const checks: CommitmentCheck[] = [];
  const add = (what: string, ts: string, chain: string) =>
    checks.push({ what, typescript: ts, onChain: chain, agree: ts === chain });

  const input = demoTensor(100, 1); // 100 bytes: 4 leaves, depth 2
  const output = demoTensor(1000, 2); // 1000 bytes: 32 leaves, depth 5
  add("tensor root of a 100-byte tensor", hex(tensorRoot(input)), String(await call("tensorRoot", [hex(input)])));
  add("tensor root of a 1000-byte tensor", hex(tensorRoot(output)), String(await call("tensorRoot", [hex(output)])));
  add(
    "slot leaf of the 1000-byte tensor",
    hex(tensorSlotLeaf(output)),
    String(await call("tensorSlotLeaf", [hex(output)])),
  );

  // A graph state with the input in slot 0 and the output in slot 5; prove slot 5 on chain.
  const state = new SlotTree();
  state.setSlot(0, input);
  state.setSlot(5, output);
  const root = state.root();
  const leaf = state.getSlotLeaf(5);
  const proof = state.prove(5).map(hex);
  verifyLeaf(root, leaf, 5, state.prove(5), SLOT_DEPTH); // throws unless the TS side accepts it
  const verified = await call("verifyLeaf", [hex(root), hex(leaf), 5n, proof, BigInt(SLOT_DEPTH)]);
  add("slot 5 proof against the state root (verifyLeaf)", "true", String(verified));
  add("state root rebuilt from slot 5's proof", hex(root), String(await call("rootFromLeaf", [hex(leaf), 5n, proof])));

  // Write a new tensor into the empty slot 7: the same proof yields the new root.
  const write = state.writeSlot(7, tensorSlotLeaf(demoTensor(64, 3)));
  const newRoot = await call("writeSlot", [
    hex(write.oldRoot),
    7n,
    hex(write.oldLeaf),
    hex(write.newLeaf),
    write.proof.map(hex),
  ]);
  add("state root after writing slot 7", hex(write.newRoot), String(newRoot));

  // A tampered leaf must be refused: the contract reverts with RootMismatch(expected, computed).
  const tampered = leaf.slice();
  tampered[0]! ^= 1;
  const tsComputed = hex(rootFromLeaf(tampered, 5, state.prove(5)));
  let chainRefusal = "accepted (no revert)";
  try {
    await call("verifyLeaf", [hex(write.newRoot), hex(tampered), 5n, state.prove(5).map(hex), BigInt(SLOT_DEPTH)]);
  } catch (err) {
    const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (!(reverted instanceof ContractFunctionRevertedError)) throw err;
    const [expected, computed] = (reverted.data?.args ?? []) as Hex[];
    chainRefusal = `${reverted.data?.errorName}(${expected}, ${computed})`;
  }
  add("tampered slot 5 leaf is refused", `RootMismatch(${hex(write.newRoot)}, ${tsComputed})`, chainRefusal);
  return checks;
}
