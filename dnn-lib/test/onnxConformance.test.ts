/**
 * The ONNX backend conformance suite (Debian's libonnx-testdata, dnn-lib/conformance/runOnnxSuite.ts)
 * as a peer test: every test is passed or refused with a typed "unsupported" error, none fails.
 * Without the data the test reports loudly that it did not run; with OPML_REQUIRE_ONNX_SUITE=1
 * (CI, .ci/run) a missing suite is a failure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ONNX_SUITE_DIR, perOpTable, runOnnxSuite, runOnnxTest, summary } from "../conformance/runOnnxSuite.ts";
import { KernelInstance } from "../src/KernelInstance.ts";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { writeOnnx } from "../src/onnx/model.ts";
import { TensorProto } from "../src/onnx/proto.ts";

const REQUIRED = process.env.OPML_REQUIRE_ONNX_SUITE === "1";

test("ONNX conformance suite: every test passes or is refused as unsupported (0 failed)", async (t) => {
  if (!existsSync(ONNX_SUITE_DIR)) {
    const msg = `ONNX conformance suite NOT RUN: ${ONNX_SUITE_DIR} is missing (apt-get install libonnx-testdata)`;
    if (REQUIRED) assert.fail(`${msg}; OPML_REQUIRE_ONNX_SUITE=1 makes that a failure`);
    console.warn(`\n*** ${msg} ***\n`);
    t.skip(msg);
    return;
  }
  const r = await runOnnxSuite();
  console.log(`onnx conformance suite: ${summary(r)} in ${r.seconds.toFixed(1)} s`);
  console.log(perOpTable(r));
  const failures = r.tests.filter((x) => x.outcome === "failed").map((x) => `${x.name}: ${x.detail}`);
  assert.deepEqual(failures, []);
  assert.ok(r.passed >= 179, `only ${r.passed} passed`);
  // Refusals are typed: each names what is not supported.
  for (const x of r.tests.filter((y) => y.outcome === "refused")) assert.ok(x.detail.length > 0, x.name);
});

/** A one-test suite folder with the given model and one data set. */
function fakeTest(model: Uint8Array, inputs: Float32Array[], dims: number[][], outputs: Float32Array[]): string {
  const dir = mkdtempSync(join(tmpdir(), "onnx-suite-"));
  writeFileSync(join(dir, "model.onnx"), model);
  const set = join(dir, "test_data_set_0");
  mkdirSync(set);
  const pb = (data: Float32Array, d: number[]) =>
    TensorProto.encode(
      TensorProto.fromObject({ dims: d, data_type: 1, raw_data: new Uint8Array(data.buffer.slice(0)) }),
    ).finish();
  inputs.forEach((x, i) => writeFileSync(join(set, `input_${i}.pb`), pb(x, dims[i]!)));
  outputs.forEach((x, i) => writeFileSync(join(set, `output_${i}.pb`), pb(x, dims[0]!)));
  return dir;
}

function reluModel(): Uint8Array {
  const b = new GraphBuilder("relu");
  b.input("x", [1, 4]);
  b.node("Relu", ["x"], {}, "y");
  b.output("y", [1, 4]);
  return writeOnnx(b.build(17));
}

test("ONNX suite runner: a right result passes, a wrong expected shape fails, an unknown op is refused", async () => {
  const k = await KernelInstance.create("simd");
  const x = Float32Array.of(-1, 0.5, 2, -0.25);
  const ok = await runOnnxTest(fakeTest(reluModel(), [x], [[1, 4]], [Float32Array.of(0, 0.5, 2, 0)]), "relu", k);
  assert.equal(ok.outcome, "passed", ok.detail);
  const dir = fakeTest(reluModel(), [x], [[1, 4]], [Float32Array.of(0, 0.5, 2, 0)]);
  writeFileSync(
    join(dir, "test_data_set_0", "output_0.pb"),
    TensorProto.encode(TensorProto.fromObject({ dims: [4], data_type: 1, raw_data: new Uint8Array(16) })).finish(),
  );
  const bad = await runOnnxTest(dir, "relu-shape", k);
  assert.equal(bad.outcome, "failed");
  const b = new GraphBuilder("det");
  b.input("x", [1, 4]);
  b.node("Hardmax", ["x"], {}, "y");
  b.output("y", [1, 4]);
  const refused = await runOnnxTest(fakeTest(writeOnnx(b.build(17)), [x], [[1, 4]], [x]), "hardmax", k);
  assert.equal(refused.outcome, "refused");
  assert.match(refused.detail, /Hardmax/);
});

test("ONNX suite runner: Shape of a graph input folds on its declared shape in the pre-check (not refused as Shape)", async () => {
  const k = await KernelInstance.create("simd");
  const b = new GraphBuilder("shape");
  b.input("x", [1, 4]);
  b.node("Reshape", [b.node("Relu", ["x"]), b.node("Shape", ["x"])], {}, "y");
  b.output("y", [1, 4]);
  const x = Float32Array.of(-1, 0.5, 2, -0.25);
  const r = await runOnnxTest(
    fakeTest(writeOnnx(b.build(17)), [x], [[1, 4]], [Float32Array.of(0, 0.5, 2, 0)]),
    "shape",
    k,
  );
  assert.equal(r.outcome, "passed", r.detail);
});

test("ONNX suite runner: an expected output off by more than the derived tolerance fails, naming the expected value", async () => {
  const k = await KernelInstance.create("simd");
  const x = Float32Array.of(-1, 0.5, 2, -0.25);
  // Relu of x is [0, 0.5, 2, 0]; the expected file says 2.5 for the third element (0.5 = 31 steps of 2/127).
  const r = await runOnnxTest(fakeTest(reluModel(), [x], [[1, 4]], [Float32Array.of(0, 0.5, 2.5, 0)]), "relu-off", k);
  assert.equal(r.outcome, "failed");
  assert.match(r.detail, /output y\[2\]: .* vs expected 2\.5/);
});
