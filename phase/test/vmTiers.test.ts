/**
 * The VM's compiled tier against its interpreter on real nodes: every node of every demo and
 * trained model (dnn-lib/models/modelSource.ts; of a generation model, one whole position's step
 * and its first and last nodes), on the activations of one native run, and random
 * nodes of every op. Both machines start from the node's initial state (phase2.ts) and advance by
 * the same random step counts; their whole states must be equal at each position. Nodes longer
 * than NODE_STEPS are compared over their first NODE_STEPS steps (the byte-lm's 91 nodes run
 * 1.2·10^9 steps in all), the tiered run's full output over every node by vmRun/phase2Models.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEMO_MODELS, loadModelSource } from "../../dnn-lib/models/modelSource.ts";
import { generationShapeOf } from "../../dnn-lib/src/generation/generationShapeOf.ts";
import { GraphState } from "../../dnn-lib/src/model/GraphState.ts";
import { compileModel } from "../compileModel.ts";
import { runModel } from "../../dnn-lib/src/runner/runModel.ts";
import { SimdBackend } from "../../dnn-lib/src/runner/Backend.ts";
import { buildNodeInput, nodeSegments, type NodeSpec } from "../../dnn-lib/src/nodeInput.ts";
import { Op, type OpName } from "../../dnn-lib/src/ops.ts";
import { randomNode } from "../../dnn-lib/src/randomNode.ts";
import { kernelProgram } from "../runInVm.ts";
import { initialMachine } from "../phase2.ts";
import { stateDifference, Machine } from "../../vm/index.ts";
import { Rng } from "../../common/rng.ts";

const NODE_STEPS = 1_000_000;
const POSITIONS = 12;

/** Advances both machines by random step counts up to NODE_STEPS; returns the positions compared. */
function compare(ref: Machine, jit: Machine, rng: Rng, where: string): number {
  ref.executor = "interpreter";
  jit.executor = "tiered";
  jit.hotSteps = 0;
  let n = 0;
  while (ref.status === 0 && ref.steps < NODE_STEPS) {
    const k = rng.int(1, (2 * NODE_STEPS) / POSITIONS);
    assert.equal(jit.run(k), ref.run(k), `${where}: steps at ${ref.steps}`);
    assert.equal(stateDifference(ref, jit, n % 4 === 0), null, `${where} after ${ref.steps} steps`);
    n++;
  }
  assert.equal(stateDifference(ref, jit, true), null, `${where} at the end (${ref.steps} steps)`);
  return n + 1;
}

/** Node 0, the nodes between the second and third samplers (position 1's step), and the last node. */
function generationSample(nodes: readonly { op: number }[]): Set<number> {
  const samplers = nodes.flatMap((n, i) => (n.op === Op.genSample ? [i] : []));
  const [a, b] = [samplers[0]!, samplers[1]!];
  return new Set([0, ...Array.from({ length: b - a }, (_, k) => a + 1 + k), nodes.length - 1]);
}

test("every node of every demo and trained model: the compiled tier's state is the interpreter's at random steps", async () => {
  const program = await kernelProgram();
  const simd = await SimdBackend.create();
  const rng = new Rng(0x71e5);
  let positions = 0;
  for (const name of Object.keys(DEMO_MODELS)) {
    const compiled = await compileModel((await loadModelSource(name)).model);
    const r = new Rng(7);
    const input = Uint8Array.from({ length: compiled.model.inputLength }, () => r.int(0, 255));
    let native;
    try {
      native = runModel(compiled, input, simd);
    } catch {
      native = runModel(compiled, new Uint8Array(input.length), simd); // token ids: zeros are in range
    }
    const { nodes } = compiled.model;
    // A generation model repeats its decoder's nodes per position: its first node, one whole
    // position past the first (cache writes and attention to the cache included) and its last.
    const picked = generationShapeOf(compiled.model) ? generationSample(compiled.model.nodes) : undefined;
    const state = new GraphState(compiled.model, native.activations[0]!);
    for (const [i, node] of nodes.entries()) {
      if (!picked || picked.has(i)) {
        const operands = state.operands(node, native.activations, compiled.model.weights);
        const [ref, jit] = [0, 1].map(() => initialMachine(program, compiled.layouts[i]!, operands));
        positions += compare(ref!, jit!, rng, `${name} node ${i} (op ${node.op})`);
      }
      state.write(i, native.activations[i + 1]!);
    }
  }
  console.log(`model nodes: ${positions} positions compared, 0 mismatches`);
});

test("random nodes of every op, edge cases included: the compiled tier's state is the interpreter's at random steps", async () => {
  const program = await kernelProgram();
  const rng = new Rng(0x0b1e);
  for (const name of Object.keys(Op) as OpName[]) {
    const r = new Rng(0x71e50000 + Op[name]);
    for (let i = 0; i < 4; i++) {
      const node: NodeSpec = randomNode(name, r, i >= 2);
      const image = buildNodeInput(node);
      const opts = {
        entry: "run",
        memoryPages: image.pages,
        writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
      };
      compare(Machine.create(program, opts), Machine.create(program, opts), rng, `${name} case ${i}`);
    }
  }
});
