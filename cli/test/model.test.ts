import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bytesToHex } from "viem";
import { compileDemoModel } from "../../devnet/deployManifest.ts";
import { keccak256 } from "../../commitment/hash.ts";
import { CALIBRATION_SEED, EVAL_SEED, MODELS, modelPath } from "../../dnn-lib/models/index.ts";
import { compileModel } from "../../phase/compileModel.ts";
import { ModelFormatError, ModelUnsupportedError } from "../../dnn-lib/src/model/errors.ts";
import { OnnxFormatError } from "../../dnn-lib/src/onnx/errors.ts";
import { estimateSteps } from "../../dnn-lib/src/model/estimateSteps.ts";
import { decodeModel } from "../../dnn-lib/src/model/modelFile.ts";
import { generationShapeOf } from "../../dnn-lib/src/generation/generationShapeOf.ts";
import { BadInputError, CalibrationError, ModelNotFoundError } from "../errors.ts";
import { DEFENDER_FULL_GAME_GAS, defenderShareOfBond, minChallengerBond } from "../../chain/bondSizing.ts";
import { DEFAULT_SYSTEM_PARAMS } from "../../chain/systemParams.ts";
import { Rng } from "../../common/rng.ts";
import { MODEL_TERMS } from "../../chain/deploy.ts";
import { runOpml } from "./runOpml.ts";
import { TRAIN_ONNX } from "../../dnn-lib/models/trainModels.ts";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "opml-model-"));
});

const json = <T = Record<string, unknown>>(r: { out: string; error: unknown }): T => {
  assert.equal(r.error, undefined, String(r.error));
  return JSON.parse(r.out) as T;
};
interface Summary {
  file: string;
  commitment: { programRoot: string; graphRoot: string; weightsRoot: string; nodeCount: number };
  nodes: { op: string; steps: number; shape: Record<string, number>; quant: Record<string, unknown> }[];
  slots: { slot: string; bytes: number; role: string }[];
  header?: { version: number; bytes: number; checksum: string };
  trace?: { op: string; steps: number; estimate: number }[];
}

/** The commitment the file itself compiles to, as a daemon loading it would compute it. */
async function fileCommitment(path: string) {
  const c = (await compileModel(decodeModel(new Uint8Array(readFileSync(path))))).commitment;
  return {
    programRoot: bytesToHex(c.programRoot),
    graphRoot: bytesToHex(c.graphRoot),
    weightsRoot: bytesToHex(c.weightsRoot),
  };
}

test("model compile tiny-mlp writes the devnet's model: the printed commitment is the one the devnet registers, and the file compiles to it", async () => {
  const out = join(dir, "tiny.opml");
  const s = json<Summary>(await runOpml(["model", "compile", "tiny-mlp", "-o", out, "--json"]));
  const devnet = (await compileDemoModel()).commitment;
  assert.equal(s.commitment.graphRoot, bytesToHex(devnet.graphRoot));
  assert.equal(s.commitment.weightsRoot, bytesToHex(devnet.weightsRoot));
  assert.equal(s.commitment.programRoot, bytesToHex(devnet.programRoot));
  assert.deepEqual(await fileCommitment(out), {
    programRoot: s.commitment.programRoot,
    graphRoot: s.commitment.graphRoot,
    weightsRoot: s.commitment.weightsRoot,
  });
  assert.deepEqual(
    s.nodes.map((n) => n.op),
    ["matmul", "relu", "matmul"],
  );
  const model = decodeModel(new Uint8Array(readFileSync(out)));
  assert.deepEqual(
    s.nodes.map((n) => n.steps),
    model.nodes.map((n) => estimateSteps(n.op, n.params)),
  );
});

test("model compile mlp (a demo ONNX model by name) prints the commitment and a per-node summary in text", async () => {
  const out = join(dir, "mlp.opml");
  const r = await runOpml(["model", "compile", "mlp", "-o", out, "--quiet"]);
  assert.equal(r.error, undefined, String(r.error));
  const c = await fileCommitment(out);
  assert.match(r.out, new RegExp(`graphRoot\\s+${c.graphRoot}`));
  assert.match(r.out, new RegExp(`weightsRoot\\s+${c.weightsRoot}`));
  assert.match(r.out, /nodeCount\s+3/);
  assert.match(r.out, /0\s+matmul\s+M=1 N=128 K=64\s+→ a1 \(128 B\)\s+~[\d,]+ steps/);
  assert.match(r.out, /1\s+relu\s+n=128/);
});

test("model compile of the mlp ONNX file with the demo's calibration inputs as a JSON file gives the demo's commitment", async () => {
  const feeds = MODELS.mlp!.feeds(CALIBRATION_SEED, 8).map((f) =>
    Object.fromEntries(
      Object.entries(f).map(([k, t]) => [k, { dims: t.dims, data: Array.from(t.data as Float32Array) }]),
    ),
  );
  const calib = join(dir, "calib.json");
  writeFileSync(calib, JSON.stringify(feeds));
  const byName = json<Summary>(await runOpml(["model", "compile", "mlp", "-o", join(dir, "a.opml"), "--json"]));
  const byFile = json<Summary>(
    await runOpml([
      "model",
      "compile",
      modelPath("mlp").pathname,
      "-o",
      join(dir, "b.opml"),
      "--calibration",
      calib,
      "--json",
    ]),
  );
  assert.deepEqual(byFile.commitment, byName.commitment);
  // Generated inputs (uniform floats) calibrate differently: other quantization, other weights root.
  const generated = json<Summary>(
    await runOpml([
      "model",
      "compile",
      modelPath("mlp").pathname,
      "-o",
      join(dir, "c.opml"),
      "--calibration",
      "4",
      "--json",
    ]),
  );
  assert.notEqual(generated.commitment.weightsRoot, byName.commitment.weightsRoot);
});

test("model compile prints the quantized model's agreement with float: on the calibration inputs, on an --eval file, and refuses an --eval file that does not fit", async () => {
  const text = await runOpml(["model", "compile", "mlp", "-o", join(dir, "m1.opml"), "--quiet"]);
  assert.equal(text.error, undefined, String(text.error));
  assert.match(
    text.out,
    /Quantized vs float \(onnxruntime\) on 8 calibration inputs: top-1 agreement [\d.]+% of 8 rows, mean cosine 0\.9\d+/,
  );

  const feeds = MODELS.mlp!.feeds(EVAL_SEED, 16).map((f) =>
    Object.fromEntries(
      Object.entries(f).map(([k, t]) => [k, { dims: t.dims, data: Array.from(t.data as Float32Array) }]),
    ),
  );
  const evalFile = join(dir, "eval.json");
  writeFileSync(evalFile, JSON.stringify(feeds));
  const r = json<{ agreement: { on: string; inputs: number; rows: number; top1: number; cosine: number } }>(
    await runOpml(["model", "compile", "mlp", "-o", join(dir, "m2.opml"), "--eval", evalFile, "--json"]),
  );
  assert.equal(r.agreement.on, evalFile);
  assert.equal(r.agreement.inputs, 16);
  assert.equal(r.agreement.rows, 16);
  assert.ok(r.agreement.top1 >= 0.9 && r.agreement.top1 <= 1, `top-1 ${r.agreement.top1}`);
  assert.ok(r.agreement.cosine > 0.95, `cosine ${r.agreement.cosine}`);

  const wrong = join(dir, "eval-wrong.json");
  writeFileSync(wrong, JSON.stringify([{ y: { dims: [1], data: [0] } }]));
  const bad = await runOpml(["model", "compile", "mlp", "-o", join(dir, "m3.opml"), "--eval", wrong]);
  assert.ok(bad.error instanceof CalibrationError, String(bad.error));
  assert.match(bad.error.message, /evaluation feed 0 has no tensor for input "x"/);
});

test("model compile of a trained PyTorch export by path (fmnist_mlp.onnx): agreement with float printed, model named after the file", async () => {
  const file = fileURLToPath(new URL("fmnist_mlp.onnx", TRAIN_ONNX));
  const out = join(dir, "fmnist.opml");
  const r = json<{ name: string; agreement: { inputs: number; rows: number; top1: number; cosine: number } }>(
    await runOpml(["model", "compile", file, "-o", out, "--calibration", "4", "--json"]),
  );
  // The graph is PyTorch's "torch_jit"; the model takes the file's name.
  assert.equal(r.name, "fmnist_mlp");
  assert.equal(decodeModel(new Uint8Array(readFileSync(out))).name, "fmnist_mlp");
  assert.equal(r.agreement.inputs, 4);
  assert.equal(r.agreement.rows, 4);
  assert.ok(r.agreement.top1 >= 0.75, `top-1 ${r.agreement.top1}`);
  assert.ok(r.agreement.cosine > 0.95, `cosine ${r.agreement.cosine}`);
  const text = await runOpml(["model", "compile", file, "-o", out, "--calibration", "4", "--quiet"]);
  assert.match(
    text.out,
    /Quantized vs float \(onnxruntime\) on 4 calibration inputs: top-1 agreement [\d.]+% of 4 rows/,
  );
});

test("model compile --max-steps tiles big nodes: more nodes, each bound under the budget, and the file compiles to the printed commitment", async () => {
  const out = join(dir, "cnn-tiled.opml");
  const whole = json<Summary>(await runOpml(["model", "compile", "cnn", "-o", join(dir, "cnn.opml"), "--json"]));
  const tiled = json<Summary>(
    await runOpml(["model", "compile", "cnn", "-o", out, "--max-steps", "1000000", "--json"]),
  );
  assert.ok(Math.max(...whole.nodes.map((n) => n.steps)) > 1_000_000, "cnn has a node over the budget");
  assert.ok(tiled.nodes.length > whole.nodes.length);
  for (const n of tiled.nodes) assert.ok(n.steps <= 1_000_000, `${n.op}: ${n.steps}`);
  const c = await fileCommitment(out);
  assert.equal(c.graphRoot, tiled.commitment.graphRoot);
  assert.equal(tiled.commitment.nodeCount, tiled.nodes.length);
});

test("model compile refuses an unknown model name (and takes generated ids for an embedding's int64 input), a calibration file that misses an input, a file that is not ONNX and a tiny step budget", async () => {
  const unknown = await runOpml(["model", "compile", "resnet50"]);
  assert.ok(unknown.error instanceof ModelNotFoundError, String(unknown.error));
  assert.match(unknown.error.message, /unknown model "resnet50"[\s\S]*tiny-mlp, mlp, cnn, gpt/);

  // Token ids read by an embedding Gather get generated calibration ids.
  const gpt = await runOpml(["model", "compile", modelPath("gpt").pathname, "-o", join(dir, "g.opml"), "--quiet"]);
  assert.equal(gpt.error, undefined, String(gpt.error));

  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify([{ y: { dims: [1], data: [0] } }]));
  const missing = await runOpml(["model", "compile", "mlp", "--calibration", bad, "-o", join(dir, "m.opml")]);
  assert.ok(missing.error instanceof CalibrationError, String(missing.error));
  assert.match(missing.error.message, /no tensor for input "x"/);

  const junk = join(dir, "junk.onnx");
  writeFileSync(junk, "not a protobuf");
  const notOnnx = await runOpml(["model", "compile", junk, "-o", join(dir, "j.opml")]);
  assert.ok(notOnnx.error instanceof OnnxFormatError, String(notOnnx.error));

  const budget = await runOpml(["model", "compile", "mlp", "--max-steps", "12"]);
  assert.match(budget.err, /must be an integer in \[1000, 4294967296\]/);
});

test("model compile --generate writes a generation model of the decoder; --max-new without --generate is refused", async () => {
  const out = join(dir, "gpt-gen.opml");
  const s = json<Summary>(
    await runOpml(["model", "compile", "gpt", "--generate", "10", "--max-new", "4", "-o", out, "--json"]),
  );
  const model = decodeModel(new Uint8Array(readFileSync(out)));
  assert.deepEqual(generationShapeOf(model), { C: 10, maxNew: 4, V: 64, endToken: -1 });
  assert.ok((model.caches?.length ?? 0) > 0, "key/value caches in the file");
  assert.equal(
    (await fileCommitment(out)).graphRoot,
    s.commitment.graphRoot,
    "the file compiles to the printed commitment",
  );
  const bad = await runOpml(["model", "compile", "gpt", "--max-new", "4"]);
  assert.ok(bad.error instanceof BadInputError, String(bad.error));
  assert.match(bad.error.message, /--max-new and --end-token need --generate/);
});

test("model compile takes a key/value-cache decode-step export as it is (lm_decode.onnx): a generation model", async () => {
  const out = join(dir, "lm-decode.opml");
  const file = fileURLToPath(new URL("lm_decode.onnx", TRAIN_ONNX));
  const s = json<Summary>(await runOpml(["model", "compile", file, "--generate", "12", "-o", out, "--json"]));
  const model = decodeModel(new Uint8Array(readFileSync(out)));
  assert.deepEqual(generationShapeOf(model), { C: 12, maxNew: 11, V: 256, endToken: -1 });
  assert.equal((await fileCommitment(out)).graphRoot, s.commitment.graphRoot);
});

test("model inspect prints the header, nodes with shapes and quantization, tensor slots and the commitment (--json too)", async () => {
  const file = join(dir, "inspect.opml");
  await runOpml(["model", "compile", "mlp", "-o", file, "--quiet"]);
  const bytes = new Uint8Array(readFileSync(file));
  const s = json<Summary>(await runOpml(["model", "inspect", file, "--json"]));
  assert.deepEqual(s.header, {
    file,
    bytes: bytes.length,
    format: "OPMLMODL",
    version: 2,
    checksum: bytesToHex(bytes.subarray(bytes.length - 32)),
  } as unknown as Summary["header"]);
  assert.deepEqual(s.nodes[0]!.shape, { M: 1, N: 128, K: 64 });
  assert.match(String(s.nodes[0]!.quant.mult), /^128 × \[\d+, \d+\]$/);
  assert.deepEqual(
    s.slots.filter((x) => x.slot.startsWith("a")).map((x) => x.bytes),
    [64, 128, 128, 10],
  );
  assert.equal(s.slots.find((x) => x.slot === "w0")!.role, "w:i8 of node 0 (matmul)");
  assert.equal(s.commitment.graphRoot, (await fileCommitment(file)).graphRoot);

  const text = await runOpml(["model", "inspect", file, "--quiet"]);
  assert.match(text.out, /OPMLMODL version 2, [\d,]+ bytes, checksum ok/);
  assert.match(text.out, /quant: mult=128 × \[\d+, \d+\] shift=128 × \[?\d+/);
  assert.match(text.out, /a3\s+10 B {2}output of node 2 \(matmul\), the model output/);
  assert.match(text.out, new RegExp(`weightsRoot\\s+${s.commitment.weightsRoot}`));
});

test("model inspect --trace runs every node in the VM: each halts with the native output, within the compiler's step bound", async () => {
  const file = join(dir, "trace.opml");
  await runOpml(["model", "compile", "tiny-mlp", "-o", file, "--quiet"]);
  const s = json<Summary>(
    await runOpml(["model", "inspect", file, "--trace", "--input", bytesToHex(new Uint8Array(16).fill(7)), "--json"]),
  );
  assert.deepEqual(
    s.trace!.map((t) => t.op),
    ["matmul", "relu", "matmul"],
  );
  for (const t of s.trace!) assert.ok(t.steps > 0 && t.steps <= t.estimate, `${t.op}: ${t.steps} ≤ ${t.estimate}`);
  const wrongLength = await runOpml(["model", "inspect", file, "--trace", "--input", "0x0102", "--quiet"]);
  assert.match(String(wrongLength.error), /wrong size/);
});

test("model inspect --trace --backend webgpu checks the VM against the GPU's bytes: the native trace; a bad name is refused", async () => {
  const file = join(dir, "trace-gpu.opml");
  await runOpml(["model", "compile", "tiny-mlp", "-o", file, "--quiet"]);
  const input = bytesToHex(new Uint8Array(16).fill(7));
  const trace = async (backend: string) =>
    json<Summary>(
      await runOpml(["model", "inspect", file, "--trace", "--input", input, "--backend", backend, "--json"]),
    ).trace;
  assert.deepEqual(await trace("webgpu"), await trace("native"));
  const bad = await runOpml(["model", "inspect", file, "--trace", "--backend", "cuda", "--quiet"]);
  assert.match(String(bad.error), /unknown --backend cuda/);
});

test("model inspect refuses a missing, truncated, corrupt, foreign or newer-version file with a typed error", async () => {
  const file = join(dir, "good.opml");
  await runOpml(["model", "compile", "tiny-mlp", "-o", file, "--quiet"]);
  const good = new Uint8Array(readFileSync(file));
  const inspect = async (bytes: Uint8Array) => {
    const p = join(dir, `case-${Math.random().toString(36).slice(2)}.opml`);
    writeFileSync(p, bytes);
    return (await runOpml(["model", "inspect", p, "--json"])).error;
  };
  const missing = await runOpml(["model", "inspect", join(dir, "nope.opml")]);
  assert.ok(missing.error instanceof ModelNotFoundError);

  const truncated = await inspect(good.subarray(0, 100));
  assert.ok(truncated instanceof ModelFormatError, String(truncated));
  assert.match(truncated.message, /truncated/);

  const corrupt = good.slice();
  corrupt[200]! ^= 1;
  const bad = await inspect(corrupt);
  assert.ok(bad instanceof ModelFormatError);
  assert.match(bad.message, /checksum mismatch/);

  const foreign = await inspect(new Uint8Array(readFileSync(modelPath("mlp"))));
  assert.ok(foreign instanceof ModelFormatError);
  assert.match(foreign.message, /not an opML model file/);

  const newer = good.slice();
  new DataView(newer.buffer).setUint32(8, 3, true);
  newer.set(keccak256(newer.subarray(0, newer.length - 32)), newer.length - 32);
  const unsupported = await inspect(newer);
  assert.ok(unsupported instanceof ModelUnsupportedError, String(unsupported));
  assert.match(unsupported.message, /unsupported model file version/);
});

test("the bond floor's DEFENDER_FULL_GAME_GAS covers the bench's measured gas.dispute.defender_full_game with under 100,000 gas to spare, and the default challenger bond covers it at 20 gwei after the devnet's 50% burn", () => {
  const results = JSON.parse(readFileSync(new URL("../../bench/results.json", import.meta.url), "utf8")) as Record<
    string,
    number
  >;
  const measured = results["gas.dispute.defender_full_game"];
  assert.ok(measured !== undefined && measured > 0, "bench/results.json records gas.dispute.defender_full_game");
  assert.ok(DEFENDER_FULL_GAME_GAS >= BigInt(measured), `${DEFENDER_FULL_GAME_GAS} < measured ${measured}`);
  assert.ok(
    DEFENDER_FULL_GAME_GAS - BigInt(measured) < 100_000n,
    `${DEFENDER_FULL_GAME_GAS} is stale: measured ${measured}`,
  );
  assert.equal(DEFAULT_SYSTEM_PARAMS.burnBps, 5000n);
  assert.ok(MODEL_TERMS.challengerBond >= minChallengerBond(20n * 10n ** 9n, DEFAULT_SYSTEM_PARAMS.burnBps)!);
  assert.ok(MODEL_TERMS.challengerBond < minChallengerBond(30n * 10n ** 9n, DEFAULT_SYSTEM_PARAMS.burnBps)!);
});

test("minChallengerBond is the least bond whose unburned part, as the oracle rounds it, covers the defender's gas; none exists at a 100% burn", () => {
  const rng = new Rng(17);
  for (let i = 0; i < 200; i++) {
    const gasPrice = BigInt(rng.int(0, 1_000)) * (i % 2 === 0 ? 1n : 10n ** 9n) + BigInt(rng.int(0, 7));
    const burnBps = BigInt([0, 1000, 3333, 5000, 9999][i % 5]! + (i % 5 === 4 ? 0 : rng.int(0, 7)));
    const cost = DEFENDER_FULL_GAME_GAS * gasPrice;
    const min = minChallengerBond(gasPrice, burnBps)!;
    assert.ok(defenderShareOfBond(min, burnBps) >= cost, `share of ${min} at ${burnBps} bps < ${cost}`);
    if (min > 0n) assert.ok(defenderShareOfBond(min - 1n, burnBps) < cost, `${min - 1n} already covers ${cost}`);
  }
  assert.equal(minChallengerBond(10n ** 9n, 0n), DEFENDER_FULL_GAME_GAS * 10n ** 9n);
  // The oracle rounds the burn down: at 50% an odd bond keeps its odd wei.
  assert.equal(minChallengerBond(10n ** 9n, 5000n), 2n * DEFENDER_FULL_GAME_GAS * 10n ** 9n - 1n);
  assert.equal(minChallengerBond(10n ** 9n, 10_000n), undefined);
  assert.throws(() => minChallengerBond(1n, 10_001n), RangeError);
});
