/**
 * Cross test of the phase boundary: the contract (contracts/src/phase/PhaseBoundary.sol) on anvil
 * builds the same initial VM state hash as the TypeScript VM (phase) for nodes of several ops,
 * accepts the honest exit, and rejects a wrong operand, a wrong descriptor, a non-halted final
 * state and a wrong output, each with its custom error. Prints the gas of both calls.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { BaseError, ContractFunctionRevertedError, toHex, type Abi, type Address, type Hex } from "viem";
import { startAnvil, type Anvil } from "../chain/anvil.ts";
import { devClients, type DevClients } from "../chain/devClients.ts";
import { deployContracts } from "../chain/deploy.ts";
import { kernelProgram } from "../phase/runInVm.ts";
import { programRoot } from "../phase/programRoot.ts";
import { Op, type OpName } from "../dnn-lib/src/ops.ts";
import { mlpCases, randomCase, type Case } from "../phase/cases.ts";
import { encodeExitProof, encodePhaseProof, initialMachine } from "../phase/phase2.ts";
import type { Program } from "../vm/index.ts";

const SPEC = {
  name: "PhaseBoundary",
  source: "contracts/src/phase/PhaseBoundary.sol",
  description: "the phase boundary (docs/protocol.md §6)",
};

function revertName(err: unknown): { name: string; args: readonly unknown[] } {
  if (err instanceof BaseError) {
    const r = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (r instanceof ContractFunctionRevertedError && r.data)
      return { name: r.data.errorName, args: r.data.args ?? [] };
  }
  throw err;
}

describe("phase boundary on anvil: contract and TS VM agree", { timeout: 600_000 }, () => {
  let anvil: Anvil;
  let clients: DevClients;
  let address: Address;
  let abi: Abi;
  let program: Program;
  let prog: Uint8Array;
  const cases: Case[] = [];

  before(async () => {
    program = await kernelProgram();
    prog = await programRoot();
    cases.push(...(await mlpCases(program)));
    // A random node of every op (conv2d first: the rejection tests below use cases 3 and 4).
    const ops = ["conv2d", ...(Object.keys(Op) as OpName[]).filter((n) => n !== "conv2d")] as OpName[];
    for (const [k, name] of ops.entries()) cases.push(randomCase(program, prog, name, 100 + k));
    anvil = await startAnvil({ port: 0 });
    clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const [d] = await deployContracts(clients, [SPEC]);
    address = d!.address;
    abi = d!.abi;
  });
  after(async () => {
    await anvil?.stop();
  });

  const initial = (c: Case, node: number, sI: Hex, proof: Hex) =>
    clients.publicClient.readContract({
      address,
      abi,
      functionName: "initialStateHash",
      args: [c.m, BigInt(node), sI, proof],
    }) as Promise<Hex>;
  const exit = (c: Case, sNext: Hex, finalHash: Hex, proof: Hex) =>
    clients.publicClient.readContract({
      address,
      abi,
      functionName: "checkExit",
      args: [c.m, BigInt(c.node), c.sI, sNext, finalHash, proof],
    });
  const gasOf = (fn: "initialStateHash" | "checkExit", args: unknown[]) =>
    clients.publicClient.estimateContractGas({
      address,
      abi,
      functionName: fn,
      args,
      account: anvil.accounts[0]!.address,
    });

  test("the contract's initial state hash equals the TS VM's, and it accepts the honest exit, for every tiny-mlp node and a random node of every op", async () => {
    const gas: string[] = [];
    for (const c of cases) {
      assert.equal(c.run.status, "halted", `${c.label}: ${c.run.machine.trapReason}`);
      const proof = encodePhaseProof(c.run.phaseProof);
      assert.equal(await initial(c, c.node, c.sI, proof), toHex(c.run.initialStateHash), c.label);
      const exitProof = encodeExitProof(c.run.exit!.proof);
      await exit(c, c.sNext, toHex(c.run.finalStateHash), exitProof);
      const g1 = await gasOf("initialStateHash", [c.m, BigInt(c.node), c.sI, proof]);
      const g2 = await gasOf("checkExit", [c.m, BigInt(c.node), c.sI, c.sNext, toHex(c.run.finalStateHash), exitProof]);
      gas.push(
        `${c.label} (${c.operands.length} operands): initialStateHash ${g1} gas (${(proof.length - 2) / 2} B proof), ` +
          `checkExit ${g2} gas (${(exitProof.length - 2) / 2} B proof)`,
      );
    }
    console.log(`phase boundary gas (eth_estimateGas, tx total incl. 21000 + calldata):\n  ${gas.join("\n  ")}`);
  });

  test("a wrong operand root is rejected with OperandNotInSlot", async () => {
    const c = cases[0]!;
    const p = { ...c.run.phaseProof, operandRoots: c.run.phaseProof.operandRoots.map((r) => r.slice()) };
    p.operandRoots[1]![5]! ^= 1;
    const e = revertName(await initial(c, c.node, c.sI, encodePhaseProof(p)).catch((x: unknown) => x));
    assert.equal(e.name, "OperandNotInSlot");
    assert.equal(e.args[0], 1n);
    assert.equal(e.args[1], 1n, "operand 1 is a weight");
    assert.equal(e.args[3], c.m.weightsRoot);
  });

  test("operands proved against another S_i are rejected with OperandNotInSlot (the activation operand)", async () => {
    const c = cases[1]!;
    const other = cases[2]!.sI;
    const e = revertName(await initial(c, c.node, other, encodePhaseProof(c.run.phaseProof)).catch((x: unknown) => x));
    assert.equal(e.name, "OperandNotInSlot");
    assert.deepEqual([e.args[0], e.args[1], e.args[3]], [0n, 0n, other]);
  });

  test("a wrong descriptor (one parameter changed) is rejected with DescriptorNotInGraph", async () => {
    const c = cases[0]!;
    const descriptor = c.run.phaseProof.descriptor.slice();
    descriptor[144]! ^= 1;
    const e = revertName(
      await initial(c, c.node, c.sI, encodePhaseProof({ ...c.run.phaseProof, descriptor })).catch((x: unknown) => x),
    );
    assert.equal(e.name, "DescriptorNotInGraph");
    assert.deepEqual(e.args.slice(0, 2), [BigInt(c.node), c.m.graphRoot]);
  });

  test("another node's descriptor proof is rejected with DescriptorNotInGraph", async () => {
    const c = cases[0]!;
    const e = revertName(await initial(c, 1, c.sI, encodePhaseProof(c.run.phaseProof)).catch((x: unknown) => x));
    assert.equal(e.name, "DescriptorNotInGraph");
  });

  test("a non-halted final state is rejected with FinalStateNotHalted", async () => {
    const c = cases[1]!;
    const m = initialMachine(program, c.layout, c.operands);
    m.run(10);
    const proof = { ...c.run.exit!.proof, witness: m.witness() };
    const e = revertName(await exit(c, c.sNext, toHex(m.stateHash()), encodeExitProof(proof)).catch((x: unknown) => x));
    assert.deepEqual([e.name, e.args[0]], ["FinalStateNotHalted", 0n]);
  });

  test("a final witness that does not hash to the claimed final state is rejected with FinalStateMismatch", async () => {
    const c = cases[1]!;
    const witness = c.run.exit!.proof.witness.slice();
    witness[40]! ^= 1;
    const e = revertName(
      await exit(c, c.sNext, toHex(c.run.finalStateHash), encodeExitProof({ ...c.run.exit!.proof, witness })).catch(
        (x: unknown) => x,
      ),
    );
    assert.equal(e.name, "FinalStateMismatch");
  });

  test("a wrong output root is rejected with OutputNotInMemory", async () => {
    const c = cases[2]!;
    const outputRoot = c.run.exit!.proof.outputRoot.slice();
    outputRoot[0]! ^= 0x80;
    const e = revertName(
      await exit(c, c.sNext, toHex(c.run.finalStateHash), encodeExitProof({ ...c.run.exit!.proof, outputRoot })).catch(
        (x: unknown) => x,
      ),
    );
    assert.equal(e.name, "OutputNotInMemory");
    assert.equal(e.args[0], toHex(c.run.exit!.proof.witness.subarray(0, 32)));
  });

  test("a disputed S_{i+1} that is not S_i with the VM's output is rejected with NextStateMismatch", async () => {
    const c = cases[3]!;
    const wrong = cases[4]!.sNext;
    const e = revertName(
      await exit(c, wrong, toHex(c.run.finalStateHash), encodeExitProof(c.run.exit!.proof)).catch((x: unknown) => x),
    );
    assert.deepEqual([e.name, e.args[0], e.args[1]], ["NextStateMismatch", wrong, c.sNext]);
  });

  test("an output slot already filled in S_i is rejected with OutputSlotNotEmpty", async () => {
    const c = cases[1]!;
    // Node 0's exit replayed against S_1, where node 0's output slot is already written.
    const c0 = cases[0]!;
    const e = revertName(
      await clients.publicClient
        .readContract({
          address,
          abi,
          functionName: "checkExit",
          args: [c0.m, 0n, c.sI, c.sNext, toHex(c0.run.finalStateHash), encodeExitProof(c0.run.exit!.proof)],
        })
        .catch((x: unknown) => x),
    );
    assert.equal(e.name, "OutputSlotNotEmpty");
  });
});
