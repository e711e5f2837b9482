import { test } from "node:test";
import assert from "node:assert/strict";
import { BaseError, bytesToHex } from "viem";
import { Rng } from "../../common/rng.ts";
import { tinyMlp } from "../../dnn-lib/models/tiny.ts";
import { encodeModel } from "../../dnn-lib/src/model/modelFile.ts";
import { ModelFormatError } from "../../dnn-lib/src/model/errors.ts";
import { MalformedInputError, OpmlError, dequantizeOutput, quantizeInput, readModelScales } from "../index.ts";

const model = tinyMlp();
const file = encodeModel(model);

test("readModelScales reads the model file's name, input length and both scales", () => {
  assert.deepEqual(readModelScales(file), {
    name: model.name,
    inputLength: model.inputLength,
    inputScale: model.inputScale,
    outputScale: model.outputScale,
  });
});

test("readModelScales refuses a corrupt model file with the loader's typed error (an OpmlError, a viem BaseError)", () => {
  const bad = file.slice();
  bad[bad.length - 40] = bad[bad.length - 40]! ^ 1; // a weight byte: the checksum no longer matches
  assert.throws(
    () => readModelScales(bad),
    (e: unknown) => e instanceof ModelFormatError && e instanceof OpmlError && e instanceof BaseError,
  );
});

test("quantizeInput: within half an LSB of every in-range value (seeded floats), dequantize inverts it", () => {
  const m = readModelScales(file);
  const rng = new Rng(18);
  for (let round = 0; round < 50; round++) {
    const xs = Array.from({ length: m.inputLength }, () => (rng.next() * 2 - 1) * 127 * m.inputScale);
    const q = quantizeInput(m, xs);
    assert.equal(q.length, m.inputLength);
    const back = dequantizeOutput({ ...m, outputScale: m.inputScale }, bytesToHex(q));
    xs.forEach((x, i) => assert.ok(Math.abs(back[i]! - x) <= m.inputScale / 2 + 1e-9, `value ${i}: ${x} → ${back[i]}`));
  }
});

test("quantizeInput saturates out-of-range values to int8 and rounds half away from zero", () => {
  const m = { name: "m", inputLength: 4, inputScale: 0.5, outputScale: 1 };
  assert.deepEqual([...new Int8Array(quantizeInput(m, [1000, -1000, 0.25, -0.25]).buffer)], [127, -128, 1, -1]);
});

test("quantizeInput refuses a wrong value count and a non-finite value with MalformedInputError", () => {
  const m = readModelScales(file);
  assert.throws(
    () => quantizeInput(m, [1, 2]),
    (e: unknown) => e instanceof MalformedInputError && e.expected === BigInt(m.inputLength) && e.actual === 2n,
  );
  const xs = new Array<number>(m.inputLength).fill(0);
  xs[3] = Number.NaN;
  assert.throws(() => quantizeInput(m, xs), /input value 3 is NaN/);
});

test("dequantizeOutput reads int8 codes (hex or bytes) times the output scale", () => {
  const m = { name: "m", inputLength: 1, inputScale: 1, outputScale: 0.25 };
  assert.deepEqual([...dequantizeOutput(m, "0x04fc7f80")], [1, -1, 31.75, -32]);
  assert.deepEqual([...dequantizeOutput(m, Uint8Array.of(8))], [2]);
});
