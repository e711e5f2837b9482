import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { hexToBytes, toHex } from "viem";
import { kernelProgram } from "../runInVm.ts";
import { programRoot } from "../programRoot.ts";
import { Op, type OpName } from "../../dnn-lib/src/ops.ts";
import { mlpCases, randomCase, type Case } from "../cases.ts";
import { initialMachine } from "../phase2.ts";
import {
  checkExitProof,
  initialStateFromProof,
  PhaseProofError,
  refereeBoundary,
  type CommitmentRoots,
} from "../PhaseBoundary.ts";

const roots = (c: Case): CommitmentRoots => ({
  programRoot: hexToBytes(c.m.programRoot),
  graphRoot: hexToBytes(c.m.graphRoot),
  weightsRoot: hexToBytes(c.m.weightsRoot),
  nodeCount: c.m.nodeCount,
});

const rejects = (f: () => unknown, error: string) =>
  assert.throws(f, (e: unknown) => e instanceof PhaseProofError && e.error === error, error);

describe("the TS twin of PhaseBoundary (phase/PhaseBoundary.ts)", async () => {
  const program = await kernelProgram();
  const prog = await programRoot();
  const cases = await mlpCases(program);
  for (const [k, name] of (Object.keys(Op) as OpName[]).entries()) cases.push(randomCase(program, prog, name, 300 + k));

  test("from the phase proof alone it computes the VM's initial state, and it accepts the honest exit, at every case", () => {
    for (const c of cases) {
      const sI = hexToBytes(c.sI);
      assert.deepEqual(initialStateFromProof(roots(c), c.node, sI, c.run.phaseProof), c.run.initialStateHash, c.label);
      checkExitProof(roots(c), c.node, sI, hexToBytes(c.sNext), c.run.finalStateHash, c.run.exit!.proof);
    }
  });

  test("it rejects what the contract rejects: wrong operand, descriptor, header, static image, state, output, S_next", () => {
    const c = cases[0]!;
    const sI = hexToBytes(c.sI);
    const p = c.run.phaseProof;
    const flip = (b: Uint8Array) => {
      const x = b.slice();
      x[3]! ^= 1;
      return x;
    };
    rejects(
      () =>
        initialStateFromProof(roots(c), c.node, sI, {
          ...p,
          operandRoots: [p.operandRoots[0]!, flip(p.operandRoots[1]!), ...p.operandRoots.slice(2)],
        }),
      "OperandNotInSlot",
    );
    const descriptor = p.descriptor.slice();
    descriptor[144]! ^= 1;
    rejects(() => initialStateFromProof(roots(c), c.node, sI, { ...p, descriptor }), "DescriptorNotInGraph");
    rejects(() => initialStateFromProof(roots(c), c.node, sI, { ...p, header: flip(p.header) }), "HeaderNotInProgram");
    rejects(
      () => initialStateFromProof(roots(c), c.node, sI, { ...p, staticRoot: flip(p.staticRoot) }),
      "LinearMemoryNotInProgram",
    );
    rejects(() => initialStateFromProof(roots(c), c.node, hexToBytes(cases[1]!.sI), p), "OperandNotInSlot");
    rejects(() => initialStateFromProof(roots(c), 3, sI, p), "NodeOutOfRange");

    const e = c.run.exit!.proof;
    const sNext = hexToBytes(c.sNext);
    const fin = c.run.finalStateHash;
    rejects(
      () => checkExitProof(roots(c), c.node, sI, sNext, fin, { ...e, outputRoot: flip(e.outputRoot) }),
      "OutputNotInMemory",
    );
    rejects(() => checkExitProof(roots(c), c.node, sI, flip(sNext), fin, e), "NextStateMismatch");
    rejects(() => checkExitProof(roots(c), c.node, sNext, sNext, fin, e), "OutputSlotNotEmpty");
    const mid = initialMachine(program, c.layout, c.operands);
    mid.run(100);
    rejects(
      () => checkExitProof(roots(c), c.node, sI, sNext, mid.stateHash(), { ...e, witness: mid.witness() }),
      "FinalStateNotHalted",
    );
    rejects(
      () => checkExitProof(roots(c), c.node, sI, sNext, fin, { ...e, witness: mid.witness() }),
      "FinalStateMismatch",
    );
  });

  test("as the referee's boundary it returns the VM's initial state as hex and rejects a wrong S_next", () => {
    const c = cases[1]!;
    const b = refereeBoundary(roots(c));
    assert.equal(b.initialStateHash(BigInt(c.node), c.sI, c.run.phaseProof), toHex(c.run.initialStateHash));
    b.checkExit(BigInt(c.node), c.sI, c.sNext, toHex(c.run.finalStateHash), c.run.exit!.proof);
    rejects(
      () => b.checkExit(BigInt(c.node), c.sI, c.sI, toHex(c.run.finalStateHash), c.run.exit!.proof),
      "NextStateMismatch",
    );
  });
});
