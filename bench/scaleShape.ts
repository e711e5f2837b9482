/**
 * One shape of the scale bench (bench/scale.ts), run in its own process so that its peak RSS is
 * its own: `npx tsx bench/scaleShape.ts <shape>` prints one JSON object of figures. The decoder
 * (dnn-lib/models/decoderShapes.ts, seeded int8 weights) is unrolled into a generation model
 * (dnn-lib/src/generation): its nodes per token, the largest node's VM steps at the longest
 * context the slot tree holds (or the shape's), a 64-token generation's node count, then — when
 * the weights and 2 GiB fit the memory free — a 16-position generation written to a model file by
 * a child process (`<shape> write <path>`) and served from it with NativeRunner.fromFile as the
 * daemons serve a model (weights read straight into the runner's instances, held once): load and
 * weightsRoot time, native time per generated token with and without S_i (best of two), peak
 * RSS against the weights, and the VM time of the largest node, in full and to its middle step.
 * Last, the decoder as one forward pass over its whole context, tiled: its nodes, largest node,
 * join depth and the joins' share of the steps.
 */
import { decoderModel, DECODER_SHAPES, weightBytes } from "../dnn-lib/models/decoderShapes.ts";
import { unrollGeneration } from "../dnn-lib/src/generation/unrollGeneration.ts";
import { encodeGenerationRequest } from "../dnn-lib/src/generation/generationState.ts";
import { estimateSteps } from "../dnn-lib/src/model/estimateSteps.ts";
import { DEFAULT_MAX_STEPS } from "../dnn-lib/src/model/compileGraph.ts";
import { joinDepth, tileModel } from "../dnn-lib/src/model/tileModel.ts";
import { writeModelFile } from "../dnn-lib/src/model/writeModelFile.ts";
import { execFileSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { freemem, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { GraphState } from "../dnn-lib/src/model/GraphState.ts";
import { buildNodeInput, nodeSegments } from "../dnn-lib/src/nodeInput.ts";
import { SLOT_DEPTH } from "../commitment/slotTree.ts";
import { Op } from "../dnn-lib/src/ops.ts";
import { kernelProgram } from "../phase/runInVm.ts";
import { Machine } from "../vm/index.ts";

const name = process.argv[2] ?? "";
const shape = DECODER_SHAPES[name];
if (!shape) throw new RangeError(`no shape ${name}: ${Object.keys(DECODER_SHAPES).join(", ")}`);
const out: Record<string, number> = {};
/** Positions of the timed generation (a 1-token prompt, then new tokens). */
const TIMED = 16;
if (process.argv[3] === "write") {
  // The child that draws the weights and writes the timed generation model's file (tiled as
  // `opml model compile` would, so that the file is what a daemon serves).
  const gen = unrollGeneration(decoderModel(shape, { T: TIMED }), { context: TIMED, maxNew: TIMED - 1 });
  await writeModelFile(process.argv[4]!, tileModel(gen.model, DEFAULT_MAX_STEPS));
  process.exit(0);
}
const secs = (t0: number) => (performance.now() - t0) / 1000;

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

// Native, when the weights and 2 GiB fit the memory free now: the timed generation model written
// to a model file by a child process (which draws the weights), then served from the file as the
// daemons serve it (NativeRunner.fromFile: each weight read straight into the runner's memory).
const weightsBytes = weightBytes(shape);
out.native_needs_gb = (weightsBytes + 2 ** 31) / 1e9;
out.free_gb_at_start = freemem() / 1e9;
if (weightsBytes + 2 ** 31 < freemem()) {
  const path = join(tmpdir(), `opml-scale-${name}-${process.pid}.opml`);
  let t0 = performance.now();
  execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), name, "write", path], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  out.write_file_s = secs(t0);
  out.file_gb = statSync(path).size / 1e9;
  let loaded: Awaited<ReturnType<typeof NativeRunner.fromFile>>;
  try {
    loaded = await NativeRunner.fromFile(path);
  } finally {
    rmSync(path, { force: true });
  }
  const { runner, compiled, seconds } = loaded;
  out.load_s = seconds.load;
  out.weights_root_s = seconds.weightsRoot;
  out.instances = runner.instanceCount;
  const input = encodeGenerationRequest({ prompt: [1], maxNew: TIMED - 1 }, { C: TIMED });
  runner.infer(input); // warm-up
  // Best of two timed generations each, alternated, so that one slow pass (the page cache, the
  // other core) does not set the figure.
  let run = runner.run(input);
  out.token_ms = out.token_ms_with_states = Infinity;
  for (let k = 0; k < 2; k++) {
    t0 = performance.now();
    runner.infer(input);
    out.token_ms = Math.min(out.token_ms, (1000 * secs(t0)) / (TIMED - 1));
    t0 = performance.now();
    run = runner.run(input);
    out.token_ms_with_states = Math.min(out.token_ms_with_states, (1000 * secs(t0)) / (TIMED - 1));
  }

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
if (out.token_ms !== undefined) [out.peak_rss_gb, out.peak_rss_over_weights_gb] = [rss, rss - weightsBytes / 1e9];
else out.structure_peak_rss_gb = rss;

// The decoder as one forward pass over its whole context (a claim on a T-token input, not a
// generation), compiled as `opml model compile` does: every node tiled under 2^32 steps, the tiles
// joined by balanced concat trees. After the RSS above, so that it does not count there.
const t1 = performance.now();
const full = tileModel(structure, DEFAULT_MAX_STEPS);
out.full_context_compile_s = secs(t1);
out.full_context_tokens = shape.T;
out.full_context_nodes = full.nodes.length;
let [allSteps, joinSteps, fullMax] = [0, 0, 0];
for (const n of full.nodes) {
  const steps = estimateSteps(n.op, n.params);
  allSteps += steps;
  fullMax = Math.max(fullMax, steps);
  if (n.op === Op.concat) joinSteps += steps;
}
out.full_context_max_node_steps = fullMax;
out.full_context_join_depth = joinDepth(full);
out.full_context_join_share = joinSteps / allSteps;
out.full_context_total_steps = allSteps;
console.log(JSON.stringify(out));
