import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { decodeModel, encodeModel } from "../src/model/modelFile.ts";
import { ModelFormatError, ModelGraphError, ModelUnsupportedError } from "../src/model/errors.ts";
import { keccak256 } from "../../commitment/hash.ts";
import { SlotKind } from "../src/nodeInput.ts";
import { Op } from "../src/ops.ts";
import { tinyCache, tinyMlp } from "../models/tiny.ts";
import { validateModel } from "../src/model/validateModel.ts";
import { cacheSlot } from "../src/model/Model.ts";
import { SLOT_DEPTH } from "../../commitment/slotTree.ts";

/** Rewrites the trailing checksum so that only the deliberate change is seen. */
function resum(file: Uint8Array): Uint8Array {
  const out = file.slice();
  out.set(keccak256(out.subarray(0, out.length - 32)), out.length - 32);
  return out;
}

describe("model file (docs/model-format.md)", () => {
  test("encode → decode gives the same model, and encoding is deterministic", () => {
    const model = tinyMlp();
    const file = encodeModel(model);
    assert.deepEqual(decodeModel(file), model);
    assert.deepEqual(encodeModel(decodeModel(file)), file);
  });
  test("strings and weights of every length modulo 4 are padded and round-trip", () => {
    for (const name of ["m", "ml", "mlp", "mlp4"]) {
      const model = { ...tinyMlp(), name };
      assert.deepEqual(decodeModel(encodeModel(model)), model);
    }
  });
  test("a truncated file is refused as truncated, at every cut", () => {
    const file = encodeModel(tinyMlp());
    for (const cut of [9, 20, 100, file.length - 40, file.length - 1]) {
      assert.throws(
        () => decodeModel(file.subarray(0, cut)),
        (e: unknown) => {
          assert.ok(e instanceof ModelFormatError, `cut ${cut}: ${String(e)}`);
          assert.match(e.message, /truncated|trailing/);
          return true;
        },
      );
    }
  });
  test("one flipped weight byte fails the checksum", () => {
    const file = encodeModel(tinyMlp());
    file[file.length - 100]! ^= 1;
    assert.throws(() => decodeModel(file), /checksum mismatch: the file is corrupt/);
  });
  test("another file type, another version and an unknown op are refused by name", () => {
    assert.throws(() => decodeModel(new TextEncoder().encode("PK\u0003\u0004 not a model")), /not an opML model file/);
    const file = encodeModel(tinyMlp());
    const v3 = file.slice();
    v3[8] = 3;
    assert.throws(() => decodeModel(resum(v3)), ModelUnsupportedError);
    const dv = new DataView(file.buffer);
    const metaLen = dv.getUint32(20, true);
    const firstOp = 16 + 8 + metaLen + 8 + 4; // section headers, meta payload, nodes header, node count
    assert.equal(dv.getUint32(firstOp, true), Op.matmul);
    dv.setUint32(firstOp, 77, true);
    assert.throws(
      () => decodeModel(resum(file)),
      (e: unknown) => e instanceof ModelUnsupportedError && /op code 77/.test(e.message),
    );
  });
  test("graph errors name the node and operand: read before write, wrong weight length", () => {
    const early = tinyMlp();
    early.nodes[0]!.inputs[0] = { kind: SlotKind.activation, slot: 2 };
    assert.throws(
      () => encodeModel(early),
      /node 0 \(matmul\): operand 0 reads activation slot 2, which is not there yet/,
    );
    const short = tinyMlp();
    short.weights[4] = short.weights[4]!.subarray(1);
    assert.throws(
      () => encodeModel(short),
      (e: unknown) => e instanceof ModelGraphError && /node 2 \(matmul\): operand 1 \(weight slot 4\)/.test(e.message),
    );
  });
});

test("a model with more weights than a slot tree's 2^SLOT_DEPTH slots is refused, with its counts", () => {
  const m = tinyMlp();
  const many = { ...m, weights: new Array<Uint8Array>(2 ** SLOT_DEPTH + 1).fill(m.weights[0]!) };
  assert.throws(
    () => validateModel(many),
    (e: unknown) =>
      e instanceof ModelGraphError &&
      /more slots than a slot tree holds/.test(e.message) &&
      e.message.includes(`${2 ** SLOT_DEPTH + 1} weights; a slot tree holds 2^${SLOT_DEPTH}`),
  );
  assert.doesNotThrow(() => validateModel(m));
});

describe("cache slots (docs/protocol.md §4.2)", () => {
  test("a model with a cache round-trips through the file; a model without one keeps its bytes", () => {
    const m = tinyCache();
    const decoded = decodeModel(encodeModel(m));
    assert.deepEqual(decoded, m);
    assert.deepEqual(encodeModel(decoded), encodeModel(m));
    assert.equal(decodeModel(encodeModel(tinyMlp())).caches, undefined);
  });

  test("refuses a cache block that is misaligned, too long, read before written, or the model's output", () => {
    const bad = (edit: (m: ReturnType<typeof tinyCache>) => void, re: RegExp) => {
      const m = tinyCache();
      edit(m);
      assert.throws(
        () => validateModel(m),
        (e: unknown) => e instanceof ModelGraphError && re.test(e.message),
      );
    };
    bad((m) => (m.nodes[0]!.into = { cache: 0, offset: 16 }), /does not fit a block/);
    bad((m) => (m.nodes[0]!.into = { cache: 0, offset: 128 }), /does not fit a block/);
    bad((m) => (m.nodes[0]!.into = { cache: 1, offset: 0 }), /does not fit a block/);
    bad(
      (m) =>
        m.nodes.unshift({ op: Op.copy, inputs: [{ kind: SlotKind.activation, slot: cacheSlot(0) }], params: [128] }),
      /not there yet/,
    );
    bad((m) => (m.nodes[2]!.into = { cache: 0, offset: 0 }), /the last node/);
    bad((m) => (m.nodes[2]!.inputs = [{ kind: SlotKind.activation, slot: 1 }]), /not there yet|wrong length/);
  });
});
