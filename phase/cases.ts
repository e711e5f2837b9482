/**
 * Phase-boundary cases for the cross test (test/phase.test.ts) and the gas bench
 * (bench/phaseGas.ts): every node of dnn-lib's tiny-mlp on one input (matmul with four weight
 * operands, relu) and random nodes of chosen ops placed in a small graph, each with its model
 * commitment, S_i, S_{i+1} and the TS VM's run with its proofs.
 */
import { toHex, type Hex } from "viem";
import { SlotTree } from "../commitment/slotTree.ts";
import { compileModel } from "./compileModel.ts";
import { runModel } from "../dnn-lib/src/runner/runModel.ts";
import { SimdBackend } from "../dnn-lib/src/runner/Backend.ts";
import { layoutNode, SlotKind, type NodeLayout } from "../dnn-lib/src/nodeInput.ts";
import type { OpName } from "../dnn-lib/src/ops.ts";
import { tinyMlp } from "../dnn-lib/models/tiny.ts";
import { Rng } from "../common/rng.ts";
import { randomNode } from "../dnn-lib/src/randomNode.ts";
import type { Program } from "../vm/index.ts";
import { runPhase2, type Phase2Run, type Phase2Trees } from "./phase2.ts";

export interface Commitment {
  programRoot: Hex;
  graphRoot: Hex;
  weightsRoot: Hex;
  nodeCount: number;
}

/** One node's phase-2 case: the commitment, S_i, S_{i+1} and the TS run with its proofs. */
export interface Case {
  label: string;
  m: Commitment;
  node: number;
  trees: Phase2Trees;
  layout: NodeLayout;
  operands: Uint8Array[];
  sI: Hex;
  sNext: Hex;
  run: Phase2Run;
}

const commitmentOf = (prog: Uint8Array, t: Phase2Trees, nodeCount: number): Commitment => ({
  programRoot: toHex(prog),
  graphRoot: toHex(t.graph.root()),
  weightsRoot: toHex(t.weights.root()),
  nodeCount,
});

/** Every node of tiny-mlp on one input (matmul with 4 weight operands, relu). */
export async function mlpCases(program: Program): Promise<Case[]> {
  const compiled = await compileModel(tinyMlp());
  const r = new Rng(3);
  const input = Uint8Array.from({ length: compiled.model.inputLength }, () => r.int(0, 255));
  const native = runModel(compiled, input, await SimdBackend.create());
  const graph = new SlotTree();
  compiled.layouts.forEach((l, i) => graph.setSlot(i, l.descriptor));
  const weights = new SlotTree();
  compiled.model.weights.forEach((w, k) => weights.setSlot(k, w));
  const out: Case[] = [];
  // The compiled model has a layout per node; the run an activation per slot and a state per boundary.
  for (const [i, node] of compiled.model.nodes.entries()) {
    const state = new SlotTree();
    for (let k = 0; k <= i; k++) state.setSlot(k, native.activations[k]!);
    const trees = { graph, weights, state };
    const operands = node.inputs.map((s) =>
      s.kind === SlotKind.weight ? compiled.model.weights[s.slot]! : native.activations[s.slot]!,
    );
    const layout = compiled.layouts[i]!;
    out.push({
      label: `tiny-mlp node ${i}`,
      m: commitmentOf(compiled.commitment.programRoot, trees, compiled.model.nodes.length),
      node: i,
      trees,
      layout,
      operands,
      sI: toHex(native.states[i]!),
      sNext: toHex(native.states[i + 1]!),
      run: runPhase2(program, trees, i, layout, operands),
    });
  }
  return out;
}

/** A random node of `name` as node 2 of a 4-node graph, operands alternating S_i / weight slots. */
export function randomCase(program: Program, prog: Uint8Array, name: OpName, seed: number): Case {
  const spec = randomNode(name, new Rng(seed), false);
  const inputSlots = spec.inputs.map((_, j) => ({
    kind: j % 2 === 0 ? SlotKind.activation : SlotKind.weight,
    slot: j + 1,
  }));
  const layout = layoutNode({ ...spec, inputLengths: spec.inputs.map((b) => b.length), inputSlots, outputSlot: 12 });
  const graph = new SlotTree();
  graph.setSlot(2, layout.descriptor);
  graph.setSlot(3, layout.descriptor);
  const weights = new SlotTree();
  const state = new SlotTree();
  state.setSlot(0, Uint8Array.of(9, 9));
  inputSlots.forEach((s, j) => (s.kind === SlotKind.weight ? weights : state).setSlot(j + 1, spec.inputs[j]!));
  const trees = { graph, weights, state };
  const run = runPhase2(program, trees, 2, layout, spec.inputs);
  return {
    label: `random ${name}`,
    m: commitmentOf(prog, trees, 4),
    node: 2,
    trees,
    layout,
    operands: spec.inputs.map((b) => b.slice()),
    sI: toHex(state.root()),
    sNext: run.exit ? toHex(run.exit.nextState) : "0x",
    run,
  };
}
