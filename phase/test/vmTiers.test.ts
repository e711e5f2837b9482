/**
 * The VM's compiled tier against its interpreter on real nodes: every node of every demo and
 * trained model (dnn-lib/models/modelSource.ts; of a generation model, one whole position's step
 * and its first and last nodes), on the activations of one native run, and random
 * nodes of every op. Both machines start from the node's initial state (phase2.ts) and advance by
 * the same random step counts; their whole states must be equal at each position. Every node is
 * run to its end in both (1.3·10^9 interpreter steps in all, the byte-lm's 91 nodes 1.2·10^9 of
 * them: about 16 s more CPU time than stopping at NODE_STEPS, 28 s of wall time on a loaded
 * 2-core machine) and compared there, state hash
 * included: densely over its first NODE_STEPS steps, then at random k over the rest of its run
 * (each chunk a random share of the steps run so far, so a node of 6·10^7 steps, the largest,
 * byte-lm's MLP matmul and fmnist-cnn's conv, gets about twenty positions beyond the first
 * NODE_STEPS). A generation model repeats its decoder's nodes at every position (byte-lm-generate:
 * 3620 nodes): its sample has every kind of node, and running the rest would cost minutes of
 * machine set-up, not of stepping.
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
/** Past NODE_STEPS, a chunk is up to 2 / REST_SHARE of the steps run so far (a mean growth of 1 + 1/REST_SHARE a position). */
const REST_SHARE = 4;

/**
 * Advances both machines by the same random step counts to the node's end (dense over the first
 * NODE_STEPS, then growing with the steps run), comparing their whole states at each position and
 * their hashes at every 4th and at the end; returns the positions compared.
 */
function compare(ref: Machine, jit: Machine, rng: Rng, where: string): number {
  ref.executor = "interpreter";
  jit.executor = "tiered";
  jit.hotSteps = 0;
  let n = 0;
  while (ref.status === 0) {
    const k =
      ref.steps < NODE_STEPS
        ? rng.int(1, (2 * NODE_STEPS) / POSITIONS)
        : rng.int(1, Math.floor((2 * ref.steps) / REST_SHARE));
    assert.equal(jit.run(k), ref.run(k), `${where}: steps at ${ref.steps}`);
    assert.equal(stateDifference(ref, jit, n % 4 === 0), null, `${where} after ${ref.steps} steps`);
    n++;
  }
  assert.equal(jit.status, ref.status, `${where}: status at the end`);
  assert.equal(stateDifference(ref, jit, true), null, `${where} at the end (${ref.steps} steps)`);
  return n + 1;
}

/** Node 0, the nodes between the second and third samplers (position 1's step), and the last node. */
function generationSample(nodes: readonly { op: number }[]): Set<number> {
  const samplers = nodes.flatMap((n, i) => (n.op === Op.genSample ? [i] : []));
  const [a, b] = [samplers[0]!, samplers[1]!];
  return new Set([0, ...Array.from({ length: b - a }, (_, k) => a + 1 + k), nodes.length - 1]);
}

test("every node of every demo and trained model: the compiled tier's state is the interpreter's at random steps and at the node's end, hash included", async () => {
  const program = await kernelProgram();
  const simd = await SimdBackend.create();
  const rng = new Rng(0x71e5);
  let positions = 0;
  let nodesCompared = 0;
  let steps = 0;
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
        assert.ok(ref!.halted, `${name} node ${i} halts`);
        nodesCompared++;
        steps += ref!.steps;
      }
      state.write(i, native.activations[i + 1]!);
    }
  }
  console.log(
    `model nodes: ${nodesCompared} nodes run to their end (${steps} steps), ${positions} positions compared, 0 mismatches`,
  );
  assert.ok(steps > 1e9, `only ${steps} steps compared`);
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
