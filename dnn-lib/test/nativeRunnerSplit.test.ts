/**
 * NativeRunner over several kernel instances (src/runner/planInstances.ts): with a per-instance
 * budget small enough to split a model, `run` gives the single-instance runner's and the
 * reference's output, activations and S_0 … S_N bit for bit (a plain decoder, a generation model
 * with caches and block writes, tinyCache), operands are copied only into the instance whose node
 * reads them and only when its copy is not current, and a node that cannot fit one instance by
 * itself is refused, typed, naming the node and its sizes. `fromFile` reads a compiled model file's
 * weights straight into the instances (held once: the model's weights become views of them) with
 * the same commitment, outputs and states as compiling the decoded file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModelSource } from "../models/modelSource.ts";
import { tinyCache } from "../models/tiny.ts";
import type { Model } from "../src/model/Model.ts";
import { cacheOfSlot, cacheSlot } from "../src/model/Model.ts";
import { compileGraph, type CompiledGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { ReferenceBackend } from "../src/runner/Backend.ts";
import { runModel } from "../src/runner/runModel.ts";
import { planInstances } from "../src/runner/planInstances.ts";
import { InstanceMemoryError } from "../src/runner/errors.ts";
import { unrollGeneration } from "../src/generation/unrollGeneration.ts";
import { encodeGenerationRequest } from "../src/generation/generationState.ts";
import { OPERANDS_BASE, SlotKind, scratchByteLength } from "../src/nodeInput.ts";
import { Rng } from "../../common/rng.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeModelFile } from "../src/model/writeModelFile.ts";
import { encodeModel } from "../src/model/modelFile.ts";
import { ModelFormatError, ModelGraphError } from "../src/model/errors.ts";

const gpt = loadModelSource("gpt").then((s) => s.model);
const weightBytes = (m: Model) => m.weights.reduce((a, w) => a + w.length, 0);

interface Case {
  compiled: CompiledGraph;
  budget: number;
  /** The fewest instances the budget must give. */
  least: number;
  inputs: Uint8Array[];
}

const cases: Record<string, () => Promise<Case>> = {
  // Half the weights per instance: the decoder's layers in several contiguous ranges.
  gpt: async () => {
    const model = await gpt;
    const rng = new Rng(21);
    const ids = () => Int32Array.from({ length: model.inputLength / 4 }, () => rng.below(64));
    return {
      compiled: compileGraph(model),
      budget: OPERANDS_BASE + weightBytes(model) / 2,
      least: 3,
      inputs: [new Uint8Array(ids().buffer), new Uint8Array(ids().buffer)],
    };
  },
  // The same budget on 10 positions of decoding: caches written block by block across instances.
  "gpt generation (context 10)": async () => {
    const model = await gpt;
    const gen = unrollGeneration(model, { context: 10 });
    const C = 10;
    return {
      compiled: compileGraph(gen.model),
      budget: OPERANDS_BASE + weightBytes(model) / 2,
      least: 3,
      inputs: [
        encodeGenerationRequest({ prompt: [5, 9, 1], maxNew: 6, seed: 5, invTemp: 30_000, topK: 4 }, { C }),
        encodeGenerationRequest({ prompt: [2], maxNew: 9 }, { C }),
      ],
    };
  },
  // 256 bytes: the two block writes share the cache's instance, the cache's reader gets a copy.
  // (Its two cache writers run where the cache is, so two instances are the most it splits into.)
  tinyCache: async () => ({
    compiled: compileGraph(tinyCache()),
    budget: OPERANDS_BASE + 256,
    least: 2,
    inputs: [Uint8Array.from({ length: 16 }, (_, i) => i * 17 - 100), new Uint8Array(16).fill(7)],
  }),
};

for (const [name, make] of Object.entries(cases))
  test(`${name}: split over kernel instances, run() gives the single-instance runner's and the reference's output, activations and states bit for bit`, async () => {
    const { compiled, budget, least, inputs } = await make();
    const split = await NativeRunner.create(compiled, "simd", { budget });
    const whole = await NativeRunner.create(compiled);
    assert.ok(split.instanceCount >= least, `${split.instanceCount} instances`);
    assert.equal(whole.instanceCount, 1);
    for (const b of split.instanceBytes) assert.ok(b <= Math.ceil(budget / 0x10000) * 0x10000, `${b} bytes`);
    // Twice each, interleaved: caches start zeroed and copies are redone on every run.
    for (const input of [...inputs, ...inputs]) {
      const got = split.run(input);
      assert.deepEqual(got, whole.run(input));
      assert.deepEqual(got, runModel(compiled, input, new ReferenceBackend()));
      assert.deepEqual(split.infer(input), got.output);
    }
  });

for (const [name, make] of Object.entries(cases))
  test(`${name}: the plan copies an operand only into the instance of a node that reads it (or writes its cache), only when that copy is stale`, async () => {
    const { compiled, budget } = await make();
    const { model, activationLengths } = compiled;
    const plan = planInstances(model, activationLengths, budget);
    for (const inst of plan.instances) assert.ok(inst.bytes <= budget, `${inst.bytes} of ${budget} bytes`);
    const seen = new Set<string>();
    plan.copies.forEach((copies, i) => {
      const node = model.nodes[i]!;
      const touched = node.inputs.filter((s) => s.kind === SlotKind.activation).map((s) => s.slot);
      if (node.into) touched.push(cacheSlot(node.into.cache));
      for (const c of copies) {
        assert.equal(c.to, plan.nodeInstance[i], `node ${i}: copy into its own instance`);
        assert.notEqual(c.from, c.to);
        assert.ok(touched.includes(c.slot), `node ${i} touches slot ${c.slot}`);
        if (cacheOfSlot(model, c.slot) !== undefined) continue;
        const key = `${c.slot}→${c.to}`;
        assert.ok(!seen.has(key), `activation ${key} copied once`);
        seen.add(key);
      }
    });
    // The whole budget: one instance, nothing copied.
    const one = planInstances(model, activationLengths);
    assert.equal(one.instances.length, 1);
    assert.equal(one.copies.flat().length, 0);
  });

test("a node whose operands, output and scratch exceed one instance's budget is refused, naming the node and its sizes", async () => {
  const compiled = compileGraph(await gpt);
  const { model, activationLengths } = compiled;
  const budget = OPERANDS_BASE + 4096;
  const span = (n: number) => Math.ceil(n / 64) * 64;
  const need = model.nodes.map((node, i) => {
    const slots = new Set(node.inputs.filter((s) => s.kind === SlotKind.activation).map((s) => s.slot));
    slots.add(i + 1);
    const weights = new Set(node.inputs.filter((s) => s.kind === SlotKind.weight).map((s) => s.slot));
    return (
      OPERANDS_BASE +
      [...weights].reduce((a, w) => a + span(model.weights[w]!.length), 0) +
      [...slots].reduce((a, s) => a + span(activationLengths[s]!), 0) +
      span(scratchByteLength(node.op, node.params))
    );
  });
  const first = need.findIndex((n) => n > budget);
  assert.ok(first >= 0);
  await assert.rejects(NativeRunner.create(compiled, "simd", { budget }), (e: unknown) => {
    assert.ok(e instanceof InstanceMemoryError);
    assert.match(
      e.shortMessage,
      new RegExp(`^gpt: node ${first} \\(\\w+\\) needs ${need[first]} bytes .*${budget}-byte budget`),
    );
    assert.match(
      e.details ?? "",
      /^weights \d+ bytes, activation operands \d+ bytes, output slot \d+ bytes, scratch \d+ bytes/,
    );
    return true;
  });
  // A budget no linear memory can have.
  for (const bad of [OPERANDS_BASE, 2 ** 32 + 1, 1.5e6 + 0.5])
    await assert.rejects(NativeRunner.create(compiled, "simd", { budget: bad }), InstanceMemoryError);
});

test("a generation model's later positions run where their layer's weights are: each weight in one instance", async () => {
  const { compiled, budget } = await cases["gpt generation (context 10)"]!();
  const plan = planInstances(compiled.model, compiled.activationLengths, budget);
  const held = plan.instances.flatMap((inst) => [...inst.weights.keys()]);
  assert.equal(held.length, new Set(held).size, "no weight in two instances");
  for (const inst of plan.instances) assert.ok(inst.bytes <= budget, `${inst.bytes} of ${budget} bytes`);
});

test("fromFile: weights read from the file straight into split instances, held once, same commitment and runs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opml-fromfile-"));
  try {
    for (const name of ["gpt", "gpt generation (context 10)"]) {
      const { compiled, budget, inputs } = await cases[name]!();
      const path = join(dir, "m.opml");
      await writeModelFile(path, compiled.model);
      const { runner, compiled: loaded } = await NativeRunner.fromFile(path, "simd", { budget });
      assert.deepEqual(loaded.commitment, compiled.commitment, name);
      assert.ok(runner.instanceCount >= 3, name);
      for (const w of loaded.model.weights)
        assert.ok(w.length === 0 || w.byteOffset >= OPERANDS_BASE, "a view of linear memory, not the file's buffer");
      for (const input of inputs)
        assert.deepEqual(runner.run(input), runModel(compiled, input, new ReferenceBackend()));
    }
    // A corrupt weight byte: the checksum refuses it before anything runs.
    const { compiled } = await cases.gpt!();
    const bad = encodeModel(compiled.model);
    bad[bad.length - 100]! ^= 1;
    writeFileSync(join(dir, "bad.opml"), bad);
    await assert.rejects(NativeRunner.fromFile(join(dir, "bad.opml")), ModelFormatError);
    // A file that still needs tiling at the given budget is refused (its weights would change).
    await writeModelFile(join(dir, "big.opml"), compiled.model);
    await assert.rejects(
      NativeRunner.fromFile(join(dir, "big.opml"), "simd", { maxStepsPerNode: 10_000 }),
      ModelGraphError,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
