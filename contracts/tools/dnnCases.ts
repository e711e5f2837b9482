/**
 * States of dnn-lib kernel runs in the VM build, for the on-chain verifier's differential test
 * (test/stepDiff.test.ts): the other sources are the VM's own (vm/corpus/stepCases.ts); this one
 * needs the kernel library and the phase-2 runner, which sit above the VM. `dnnCases` samples
 * hand-made nodes; `compiledNodeCases` a real model node run on the compiled tier.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Machine } from "../../vm/index.ts";
import { compiledRunCases, runProving, type CompiledRunCases, type StepCase } from "../../vm/tooling.ts";
import { Rng } from "../../common/rng.ts";

const DNN_VM = fileURLToPath(new URL("../../dnn-lib/build/kernels-vm.wasm", import.meta.url));

/** Sampled states of dnn-lib kernel runs in the VM build (when `npm run build:dnn` has built it). */
export async function dnnCases(budget: number, seed = 3): Promise<StepCase[]> {
  if (!existsSync(DNN_VM) || budget <= 0) return [];
  const { kernelProgram } = await import("../../phase/runInVm.ts");
  const { buildNodeInput, nodeSegments } = await import("../../dnn-lib/src/nodeInput.ts");
  const program = await kernelProgram();
  const i8 = (n: number, s: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + s) & 0xff);
  const i32s = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
  const nodes = [
    { op: 1, inputs: [i8(8, 1), i8(8, 2), i32s(5, -3), i32s(1 << 30, 1 << 29), i32s(3, 4)], params: [2, 2, 4] },
    { op: 7, inputs: [i8(40, 5)], params: [40] },
    { op: 19, inputs: [i8(33, 9)], params: [33] },
  ];
  const rng = new Rng(seed);
  const rand = () => rng.next();
  const out: StepCase[] = [];
  for (const [j, node] of nodes.entries()) {
    const image = buildNodeInput(node);
    const m = Machine.create(program, {
      entry: "run",
      memoryPages: image.pages,
      writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
    });
    const probe = Machine.create(program, {
      entry: "run",
      memoryPages: image.pages,
      writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
    });
    const total = probe.run();
    const share = Math.floor(budget / nodes.length);
    runProving(m, `dnn:op${node.op}#${j}`, out, { every: Math.max(1, total / share), maxProved: share, rand });
  }
  return out;
}

/**
 * `compiledRunCases` of the largest matmul node of the `mlp` demo model (64 → 128, about 8·10^4
 * steps), its operands those of a native run on a seeded input: random steps of a real kernel
 * node whose pre-states the compiled tier reached. Builds the kernels when they are not built.
 */
export async function compiledNodeCases(proofs: number, seed = 5): Promise<CompiledRunCases> {
  const { kernelProgram } = await import("../../phase/runInVm.ts");
  const { initialMachine } = await import("../../phase/phase2.ts");
  const { compileModel } = await import("../../phase/compileModel.ts");
  const { loadModelSource } = await import("../../dnn-lib/models/modelSource.ts");
  const { runModel } = await import("../../dnn-lib/src/runner/runModel.ts");
  const { SimdBackend } = await import("../../dnn-lib/src/runner/Backend.ts");
  const { GraphState } = await import("../../dnn-lib/src/model/GraphState.ts");
  const { Op } = await import("../../dnn-lib/src/ops.ts");
  const program = await kernelProgram();
  const compiled = await compileModel((await loadModelSource("mlp")).model);
  const { nodes, weights, inputLength } = compiled.model;
  const rng = new Rng(seed);
  const input = rng.bytes(inputLength);
  const { activations } = runModel(compiled, input, await SimdBackend.create());
  const macs = (i: number) => (nodes[i]!.op === Op.matmul ? nodes[i]!.params.reduce((a, b) => a * b, 1) : 0);
  const i = nodes.reduce((best, _, j) => (macs(j) > macs(best) ? j : best), 0);
  // Node i's operands: the graph state after nodes 0..i-1.
  const state = new GraphState(compiled.model, activations[0]!);
  for (let j = 0; j < i; j++) state.write(j, activations[j + 1]!);
  const operands = state.operands(nodes[i]!, activations, weights);
  const make = () => initialMachine(program, compiled.layouts[i]!, operands);
  return compiledRunCases(make, `compiled:mlp node ${i} (matmul ${nodes[i]!.params.join("×")})`, proofs, rng);
}
