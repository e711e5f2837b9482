import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { decodeModel, encodeModel } from "../../dnn-lib/src/model/modelFile.ts";
import { validateModel } from "../../dnn-lib/src/model/validateModel.ts";
import { ModelGraphError } from "../../dnn-lib/src/model/errors.ts";
import { compileModel } from "../compileModel.ts";
import { runModel } from "../../dnn-lib/src/runner/runModel.ts";
import { ReferenceBackend, SimdBackend } from "../../dnn-lib/src/runner/Backend.ts";
import { runInVm } from "../runInVm.ts";
import { SlotKind } from "../../dnn-lib/src/nodeInput.ts";
import { Op } from "../../dnn-lib/src/ops.ts";
import type { Model } from "../../dnn-lib/src/model/Model.ts";
import { tinyInt16 } from "../../dnn-lib/models/tiny.ts";
import { Rng } from "../../common/rng.ts";

describe("a model with int16 activations (every int16 op and strided)", () => {
  test("round-trips through the model file and validates: int16 slots are twice their element count", () => {
    const model = tinyInt16();
    assert.deepEqual(decodeModel(encodeModel(model)), model);
    assert.deepEqual(validateModel(model), [64, 128, 64, 64, 64, 64, 64, 32]);
  });

  test("reference and SIMD runs give the same S_0 … S_N, and every node re-run in the VM halts with the same bytes", async () => {
    const compiled = await compileModel(tinyInt16());
    const simd = await SimdBackend.create();
    const r = new Rng(9);
    const x = Uint8Array.from({ length: 64 }, () => r.int(0, 255));
    const ref = runModel(compiled, x, new ReferenceBackend());
    const run = runModel(compiled, x, simd);
    assert.deepEqual(run.states, ref.states);
    const out = new Int8Array(run.output.buffer, run.output.byteOffset, run.output.length);
    assert.ok(new Set(out).size > 4, `output is degenerate: ${out.join(",")}`);
    for (const [i, node] of compiled.model.nodes.entries()) {
      const operands = node.inputs.map((s) =>
        s.kind === SlotKind.weight ? compiled.model.weights[s.slot]! : run.activations[s.slot]!,
      );
      const vm = await runInVm({
        op: node.op,
        inputs: operands,
        params: node.params,
        inputSlots: node.inputs,
        outputSlot: i + 1,
      });
      assert.equal(vm.status, "halted", `node ${i}`);
      assert.deepEqual(vm.output, run.activations[i + 1], `node ${i}`);
    }
  });

  const broken = (edit: (m: Model) => void): Model => {
    const m = tinyInt16();
    edit(m);
    return m;
  };
  test("an int8 slot read as an int16 operand is a ModelGraphError naming the operand and both lengths", () => {
    const m = broken((m) => (m.nodes[1]!.inputs[0] = { kind: SlotKind.activation, slot: 0 }));
    assert.throws(
      () => validateModel(m),
      (e: unknown) =>
        e instanceof ModelGraphError &&
        /node 1 \(matmul16\): operand 0 \(activation slot 0\) has the wrong length/.test(e.message) &&
        /64 bytes, the op needs 128/.test(e.details ?? ""),
    );
  });
  test("a lut16 table of 256 entries, a strided view past its input and an int16 operand of the wrong size are ModelGraphErrors", () => {
    const short = broken((m) => (m.weights[4] = m.weights[4]!.subarray(0, 512)));
    assert.throws(() => validateModel(short), /node 3 \(lut16\): operand 1 \(weight slot 4\) has the wrong length/);
    const past = broken((m) => (m.nodes[4]!.params[7] = 9));
    assert.throws(
      () => validateModel(past),
      (e: unknown) =>
        e instanceof ModelGraphError &&
        /node 4 \(strided\): bad parameters/.test(e.message) &&
        /reads past/.test(e.details ?? ""),
    );
    const odd = broken(
      (m) =>
        (m.nodes[6] = { op: Op.cvt16to8, inputs: [{ kind: SlotKind.weight, slot: 4 }], params: [256, 1 << 30, 30] }),
    );
    assert.throws(() => validateModel(odd), /operand 0 \(weight slot 4\) has the wrong length/);
  });
});
