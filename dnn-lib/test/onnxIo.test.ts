import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readOnnx, writeOnnx } from "../src/onnx/model.ts";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { OnnxFormatError, OnnxRunError, OnnxUnsupportedError } from "../src/onnx/errors.ts";
import { OrtModel } from "../src/onnx/ort.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { quantizeFeeds } from "../src/onnx/runQuant.ts";
import { DataType, ModelProto } from "../src/onnx/proto.ts";
import { modelPath } from "../models/index.ts";
import { Rng } from "../../common/rng.ts";

const mlpBytes = () => new Uint8Array(readFileSync(modelPath("mlp")));

describe("ONNX ModelProto I/O", () => {
  test("read then write gives back the same bytes, and the decoded graph is the MLP's", () => {
    const bytes = mlpBytes();
    const m = readOnnx(bytes);
    assert.deepEqual(
      m.graph.nodes.map((n) => n.opType),
      ["Gemm", "Relu", "MatMul", "Add"],
    );
    assert.deepEqual(m.graph.inputs[0], { name: "x", elemType: DataType.FLOAT, shape: [1, 64] });
    assert.equal(m.graph.initializers.find((t) => t.name === "fc1.weight")!.data.length, 128 * 64);
    assert.deepEqual(m.opsetImports, [{ domain: "", version: 17 }]);
    assert.deepEqual(writeOnnx(m), bytes);
  });

  test("onnxruntime computes a written Gemm + Sigmoid graph as the formula says", async () => {
    const g = new GraphBuilder("tiny");
    const x = g.input("x", [1, 3]);
    const w = g.init("w", [2, 3], Float32Array.from([1, -2, 0.5, 0, 1, 3]));
    const b = g.init("b", [2], Float32Array.from([0.25, -1]));
    g.node("Sigmoid", [g.node("Gemm", [x, w, b], { transB: 1, alpha: { float: 0.5 } })], {}, "y");
    g.output("y", [1, 2]);
    const ort = await OrtModel.load(writeOnnx(g.build(17)));
    const y = (await ort.run({ x: { dims: [1, 3], data: Float32Array.from([2, 1, -4]) } })).y!.data as Float32Array;
    await ort.release();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const want = [sig(0.5 * (2 - 2 - 2) + 0.25), sig(0.5 * (0 + 1 - 12) - 1)];
    want.forEach((v, i) => assert.ok(Math.abs(y[i]! - v) < 1e-6, `y[${i}] = ${y[i]}, want ${v}`));
  });

  test("every truncation of a model file is refused with OnnxFormatError", () => {
    const bytes = mlpBytes();
    const cuts = [0, 1, 2, 5, 17, 100, 1000, 20000, bytes.length - 20, bytes.length - 3, bytes.length - 1];
    for (const n of cuts)
      assert.throws(() => readOnnx(bytes.subarray(0, n)), OnnxFormatError, `truncated to ${n} bytes`);
  });

  test("corrupt protobuf (random bytes, a broken length prefix) is refused with OnnxFormatError", () => {
    const r = new Rng(7);
    const junk = Uint8Array.from({ length: 4096 }, () => r.u32() & 0xff);
    assert.throws(() => readOnnx(junk), OnnxFormatError);
    const bytes = mlpBytes().slice();
    // The graph field (7, length-delimited) starts after the header strings: break its length varint.
    const at = bytes.indexOf(0x3a);
    bytes[at + 1] = 0xff;
    bytes[at + 2] = 0xff;
    bytes[at + 3] = 0xff;
    assert.throws(() => readOnnx(bytes), OnnxFormatError);
  });

  test("a node reading an undefined tensor is refused with OnnxFormatError naming it", () => {
    const m = readOnnx(mlpBytes());
    m.graph.nodes[1]!.inputs = ["nowhere"];
    assert.throws(
      () => writeOnnx(m),
      (e: unknown) => e instanceof OnnxFormatError && /nowhere/.test(e.message),
    );
  });

  test("reading an initializer of an unsupported data type (FLOAT16) is refused naming the type", () => {
    const obj = ModelProto.toObject(ModelProto.decode(mlpBytes()), { longs: Number }) as {
      graph: { initializer: { data_type: number; raw_data: Uint8Array }[] };
    };
    obj.graph.initializer[0]!.data_type = 10;
    obj.graph.initializer[0]!.raw_data = new Uint8Array(2 * 128 * 64);
    const bytes = ModelProto.encode(ModelProto.fromObject(obj)).finish();
    assert.throws(
      () => readOnnx(bytes),
      (e: unknown) => e instanceof OnnxUnsupportedError && e.what === "FLOAT16" && /fc1\.weight/.test(e.message),
    );
  });
});

describe("ONNX importer errors", () => {
  test("an unsupported operator is refused with OnnxUnsupportedError naming the operator", async () => {
    const g = new GraphBuilder("unsupported");
    const x = g.input("x", [1, 4]);
    g.node("Hardmax", [x], {}, "y");
    g.output("y", [1, 4]);
    const feeds = [{ x: { dims: [1, 4], data: Float32Array.from([1, -1, 2, 0]) } }];
    await assert.rejects(
      quantizeModel(g.build(17), feeds),
      (e: unknown) => e instanceof OnnxUnsupportedError && e.what === "Hardmax" && /Hardmax/.test(e.message),
    );
  });

  test("an unsupported attribute value (Conv with unequal strides) is refused naming Conv", async () => {
    const g = new GraphBuilder("strided");
    const x = g.input("x", [1, 2, 5, 5]);
    const w = g.init("w", [2, 2, 3, 3], new Float32Array(36).fill(0.1));
    g.node("Conv", [x, w], { strides: [1, 2], kernel_shape: [3, 3] }, "y");
    g.output("y", [1, 2, 3, 2]);
    const feeds = [{ x: { dims: [1, 2, 5, 5], data: new Float32Array(50).fill(1) } }];
    await assert.rejects(
      quantizeModel(g.build(17), feeds),
      (e: unknown) => e instanceof OnnxUnsupportedError && e.what === "Conv" && /unequal strides/.test(e.message),
    );
  });

  test("a wrong-shaped input to the quantized graph is refused with OnnxRunError naming the input", async () => {
    const m = readOnnx(mlpBytes());
    const calib = [{ x: { dims: [1, 64], data: new Float32Array(64).fill(0.5) } }];
    const q = await quantizeModel(m, calib);
    assert.throws(
      () => quantizeFeeds(q, { x: { dims: [1, 32], data: new Float32Array(32) } }),
      (e: unknown) => e instanceof OnnxRunError && /input x has the wrong shape/.test(e.message),
    );
  });
});
