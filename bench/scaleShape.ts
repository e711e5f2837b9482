/**
 * One shape of the scale bench (bench/scale.ts), run in its own process so that its peak RSS is
 * its own: `npx tsx bench/scaleShape.ts <shape>` prints one JSON object of figures. The decoder
 * (dnn-lib/models/decoderShapes.ts, seeded int8 weights) is unrolled into a generation model
 * (dnn-lib/src/generation): its nodes per token, the largest node's VM steps at the longest
 * context the slot tree holds (or the shape's), a 64-token generation's node count, then — when
 * the weights fit one wasm32 memory — native time per generated token with and without S_i,
 * weightsRoot time and the VM time of the largest node, in full and to its middle step.
 */
import { decoderModel, DECODER_SHAPES, weightBytes } from "../dnn-lib/models/decoderShapes.ts";
import { unrollGeneration } from "../dnn-lib/src/generation/unrollGeneration.ts";
import { encodeGenerationRequest } from "../dnn-lib/src/generation/generationState.ts";
import { estimateSteps } from "../dnn-lib/src/model/estimateSteps.ts";
import { compileGraph } from "../dnn-lib/src/model/compileGraph.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { GraphState } from "../dnn-lib/src/model/GraphState.ts";
import { buildNodeInput, nodeSegments } from "../dnn-lib/src/nodeInput.ts";
import { SlotTree, SLOT_DEPTH } from "../commitment/slotTree.ts";
import { kernelProgram } from "../phase/runInVm.ts";
import { Machine } from "../vm/index.ts";

const name = process.argv[2] ?? "";
const shape = DECODER_SHAPES[name];
if (!shape) throw new RangeError(`no shape ${name}: ${Object.keys(DECODER_SHAPES).join(", ")}`);
const out: Record<string, number> = {};
const secs = (t0: number) => (performance.now() - t0) / 1000;
/** Positions of the timed generation (a 1-token prompt, then new tokens). */
const TIMED = 16;

// Structure: nodes per token, and the largest node at the longest context that fits the slot tree.
const structure = decoderModel(shape, { zero: true });
const probe = unrollGeneration(structure, { context: 8, maxNew: 7 });
const perToken = probe.shape.nodesPerToken;
out.nodes_per_token = perToken;
const maxContext = Math.min(shape.T, Math.floor((2 ** SLOT_DEPTH - 2) / (perToken + 2)));
out.max_context = maxContext;
const longest = unrollGeneration(structure, { context: maxContext, maxNew: maxContext - 1 });
let maxSteps = 0;
for (const n of longest.model.nodes) maxSteps = Math.max(maxSteps, estimateSteps(n.op, n.params));
out.max_node_steps = maxSteps;
out.nodes_at_max_context = longest.model.nodes.length;
out.gen64_nodes = unrollGeneration(structure, { context: 65, maxNew: 64 }).model.nodes.length;
out.weight_gb = weightBytes(shape) / 1e9;

// Native: only when the weights and a short generation's activations fit one 4 GiB wasm32 memory.
if (weightBytes(shape) < 3.5 * 2 ** 30) {
  const decoder = decoderModel(shape, { T: Math.max(TIMED, 16) });
  const gen = unrollGeneration(decoder, { context: TIMED, maxNew: TIMED - 1 });
  let t0 = performance.now();
  const weights = new SlotTree();
  decoder.weights.forEach((w, k) => weights.setSlot(k, w));
  weights.root();
  out.weights_root_s = secs(t0);
  const compiled = compileGraph(gen.model);
  const runner = await NativeRunner.create(compiled);
  const input = encodeGenerationRequest({ prompt: [1], maxNew: TIMED - 1 }, { C: TIMED });
  runner.infer(input); // warm-up
  t0 = performance.now();
  runner.infer(input);
  out.token_ms = (1000 * secs(t0)) / (TIMED - 1);
  t0 = performance.now();
  const run = runner.run(input);
  out.token_ms_with_states = (1000 * secs(t0)) / (TIMED - 1);

  // The largest node of the timed model, in the VM: in full, and to its middle step.
  const { nodes } = compiled.model;
  let big = 0;
  nodes.forEach((n, i) => {
    if (estimateSteps(n.op, n.params) > estimateSteps(nodes[big]!.op, nodes[big]!.params)) big = i;
  });
  const state = new GraphState(compiled.model, run.activations[0]!);
  for (let i = 0; i < big; i++) state.write(i, run.activations[i + 1]!);
  const node = nodes[big]!;
  const operands = state.operands(node, run.activations, compiled.model.weights);
  const image = buildNodeInput({ op: node.op, inputs: operands, params: node.params });
  const machine = () =>
    Machine.create(program, {
      entry: "run",
      memoryPages: image.pages,
      writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
    });
  const program = await kernelProgram();
  t0 = performance.now();
  const steps = machine().run();
  out.vm_largest_node_s = secs(t0);
  out.vm_largest_node_steps = steps;
  t0 = performance.now();
  machine().run(Math.floor(steps / 2));
  out.vm_state_at_step_s = secs(t0);
}
// Peak RSS of a native run; a shape only counted (zero weights, never touched) reports its own.
const rss = (process.resourceUsage().maxRSS * 1024) / 1e9;
if (out.token_ms !== undefined) out.peak_rss_gb = rss;
else out.structure_peak_rss_gb = rss;
console.log(JSON.stringify(out));
