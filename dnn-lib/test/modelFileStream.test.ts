/**
 * The model file on disk without one buffer (src/model/writeModelFile.ts, ModelFileReader.ts):
 * the same bytes and models as encodeModel/decodeModel, weights spread over several weights
 * sections when one section cannot hold them (docs/model-format.md), weights read straight into
 * buffers the caller names, and corrupt or truncated files refused with typed errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeModel, encodeModel, Section } from "../src/model/modelFile.ts";
import { writeModelFile } from "../src/model/writeModelFile.ts";
import { ModelFileReader, readModelFile } from "../src/model/ModelFileReader.ts";
import { ModelFormatError, ModelUnsupportedError } from "../src/model/errors.ts";
import { loadModelSource } from "../models/modelSource.ts";
import { tinyCache, tinyMlp } from "../models/tiny.ts";
import { cacheSlot, type Model } from "../src/model/Model.ts";
import { keccak256 } from "../../commitment/hash.ts";
import { SlotKind } from "../src/nodeInput.ts";

const dir = mkdtempSync(join(tmpdir(), "opml-modelfile-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = () => join(dir, `m${n++}.opml`);

/** The section ids of a model file, in order. */
function sectionIds(file: Uint8Array): number[] {
  const v = new DataView(file.buffer, file.byteOffset);
  const ids: number[] = [];
  let at = 16;
  for (let k = v.getUint32(12, true); k > 0; k--) {
    ids.push(v.getUint32(at, true));
    at += 8 + v.getUint32(at + 4, true);
  }
  return ids;
}

const models = async (): Promise<Model[]> => [tinyMlp(), tinyCache(), (await loadModelSource("gpt")).model];

test("writeModelFile writes encodeModel's bytes and readModelFile reads decodeModel's model", async () => {
  for (const model of await models()) {
    const p = path();
    const length = await writeModelFile(p, model);
    const bytes = new Uint8Array(readFileSync(p));
    assert.equal(length, bytes.length);
    assert.deepEqual(bytes, encodeModel(model), model.name);
    assert.deepEqual(await readModelFile(p), decodeModel(bytes), model.name);
  }
});

test("weights too large for one section go into several weights sections, read back the same", async () => {
  for (const model of (await models()).filter((m) => m.weights.length > 2)) {
    const largest = Math.max(...model.weights.map((w) => w.length));
    const cap = Math.ceil(largest / 4) * 4 + 16;
    const file = encodeModel(model, cap);
    const ids = sectionIds(file);
    assert.ok(ids.filter((id) => id === Section.weights).length > 1, `${model.name}: one weights section`);
    const p = path();
    await writeModelFile(p, model, cap);
    assert.deepEqual(new Uint8Array(readFileSync(p)), file);
    assert.deepEqual(decodeModel(file), model);
    assert.deepEqual(await readModelFile(p), model);
  }
  assert.throws(() => encodeModel(tinyMlp(), 64), ModelUnsupportedError);
});

/**
 * `file` as version 1 wrote it: cache `c` was activation slot 2^20 − 1 − c (depth-20 slot trees).
 * Walks the nodes section and renumbers each cache operand, then rewrites the version and checksum.
 */
function asVersion1(file: Uint8Array, caches: number): Uint8Array {
  const out = file.slice();
  const v = new DataView(out.buffer);
  v.setUint32(8, 1, true);
  let at = 16;
  while (v.getUint32(at, true) !== Section.nodes) at += 8 + v.getUint32(at + 4, true);
  let p = at + 12;
  for (let k = v.getUint32(at + 8, true); k > 0; k--) {
    const [nIn, nParams] = [v.getUint32(p + 4, true), v.getUint32(p + 8, true)];
    p += 12;
    for (let j = 0; j < nIn; j++, p += 8) {
      const c = cacheSlot(0) - v.getUint32(p + 4, true);
      if (v.getUint32(p, true) === SlotKind.activation && c >= 0 && c < caches)
        v.setUint32(p + 4, 2 ** 20 - 1 - c, true);
    }
    p += 4 * nParams;
  }
  out.set(keccak256(out.subarray(0, out.length - 32)), out.length - 32);
  return out;
}

test("a version-1 file, caches numbered down from slot 2^20 − 1, reads as the same model", async () => {
  const model = tinyCache();
  const v2 = encodeModel(model);
  assert.equal(new DataView(v2.buffer).getUint32(8, true), 2);
  const v1 = asVersion1(v2, model.caches!.length);
  assert.notDeepEqual(v1.subarray(0, v1.length - 32), v2.subarray(0, v2.length - 32));
  assert.deepEqual(decodeModel(v1), model);
  const p = path();
  writeFileSync(p, v1);
  assert.deepEqual(await readModelFile(p), model);
  const reader = ModelFileReader.open(p);
  reader.close();
  assert.equal(reader.version, 1);
  const v3 = v2.slice();
  v3[8] = 3;
  v3.set(keccak256(v3.subarray(0, v3.length - 32)), v3.length - 32);
  assert.throws(
    () => decodeModel(v3),
    (e: unknown) => e instanceof ModelUnsupportedError && /reads 1 and 2/.test(e.message),
  );
});

test("open gives the graph with zero weights; readWeights fills the buffers the caller names", async () => {
  const model = (await loadModelSource("gpt")).model;
  const p = path();
  await writeModelFile(p, model);
  const file = ModelFileReader.open(p);
  try {
    assert.deepEqual(file.model.nodes, model.nodes);
    assert.ok(file.model.weights.every((w) => w.every((b) => b === 0)));
    const elsewhere = model.weights.map((w) => new Uint8Array(w.length));
    await file.readWeights((w) => elsewhere[w]!);
    assert.deepEqual(elsewhere, model.weights);
    assert.ok(
      file.model.weights.every((w) => w.every((b) => b === 0)),
      "the model's own buffers untouched",
    );
    await assert.rejects(
      file.readWeights(() => new Uint8Array(1)),
      RangeError,
    );
  } finally {
    file.close();
  }
});

test("a flipped byte is a checksum mismatch; every truncation is a typed format error", async () => {
  const model = tinyMlp();
  const good = encodeModel(model);
  const bad = good.slice();
  bad[good.length - 40]! ^= 1; // inside the last weight
  const p = path();
  writeFileSync(p, bad);
  await assert.rejects(readModelFile(p), (e) => e instanceof ModelFormatError && /checksum/.test(e.message));
  for (let cut = 0; cut < good.length; cut += 7) {
    writeFileSync(p, good.subarray(0, cut));
    await assert.rejects(readModelFile(p), (e) => e instanceof ModelFormatError, `cut at ${cut}`);
  }
});
