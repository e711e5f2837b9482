import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { SparseMerkleTree } from "../../commitment/SparseMerkleTree.ts";
import { tensorDepth, tensorRoot } from "../../commitment/tensorRoot.ts";
import { Op } from "../src/ops.ts";
import { runReference } from "../src/reference/runReference.ts";
import { kernelModule } from "../src/kernels.ts";
import {
  DESC_ADDR,
  DESC_SIZE,
  OPERANDS_BASE,
  SlotKind,
  buildNodeInput,
  extractOutput,
  nodeSegments,
  writeNodeInput,
} from "../src/nodeInput.ts";
import { DnnShapeError, DnnUnsupportedOpError } from "../src/errors.ts";
import { Rng } from "../../common/rng.ts";
import { randomNode } from "../src/randomNode.ts";

/** Byte-addressed Merkle memory of 4 GiB: 2^27 leaves of 32 bytes. */
const MEMORY_DEPTH = 27;

describe("phase-2 node input (docs/protocol.md, Phase-2 node input)", () => {
  test("every operand sits 32·2^d-aligned, so its memory subtree root is its tensor root", () => {
    const rng = new Rng(7);
    for (const name of ["matmul", "attention", "norm", "concat"] as const) {
      const node = randomNode(name, rng, false);
      const image = buildNodeInput(node);
      const mem = new SparseMerkleTree(MEMORY_DEPTH);
      for (const s of nodeSegments(image)) mem.writeBytes(s.addr, s.bytes);
      const regions = [{ addr: DESC_ADDR, bytes: image.descriptor }, ...image.inputs];
      for (const r of regions) {
        const d = tensorDepth(r.bytes.length);
        assert.equal(r.addr % (32 * 2 ** d), 0, `${name}: operand at 0x${r.addr.toString(16)} misaligned`);
        assert.deepEqual(mem.subtreeRoot(r.addr / 32 / 2 ** d, d), tensorRoot(r.bytes));
      }
      const d = tensorDepth(image.output.byteLength);
      assert.deepEqual(
        mem.subtreeRoot(image.output.addr / 32 / 2 ** d, d),
        tensorRoot(new Uint8Array(image.output.byteLength)),
      );
      assert.ok(
        image.inputs[0]!.addr >= OPERANDS_BASE && image.pages * 0x10000 >= image.output.addr + image.output.byteLength,
      );
    }
  });

  test("the descriptor holds version, op, operand table, output, scratch and params at their documented offsets", () => {
    const node = {
      ...randomNode("attention", new Rng(3), false),
      inputSlots: [
        { kind: SlotKind.activation, slot: 9 },
        { kind: SlotKind.activation, slot: 4 },
        { kind: SlotKind.activation, slot: 5 },
        { kind: SlotKind.weight, slot: 17 },
      ],
      outputSlot: 10,
    };
    const image = buildNodeInput(node);
    const dv = new DataView(image.descriptor.buffer);
    assert.equal(image.descriptor.length, DESC_SIZE);
    const u32 = (at: number) => dv.getUint32(at, true);
    assert.deepEqual([u32(0), u32(4), u32(8), u32(12)], [1, Op.attention, 4, 9]);
    image.inputs.forEach((r, j) => {
      const slot = node.inputSlots[j]!;
      assert.deepEqual(
        [u32(16 + 16 * j), u32(20 + 16 * j), u32(24 + 16 * j), u32(28 + 16 * j)],
        [r.addr, r.byteLength, slot.kind, slot.slot],
      );
    });
    assert.deepEqual([u32(112), u32(116), u32(120), u32(124)], [image.output.addr, image.output.byteLength, 0, 10]);
    assert.deepEqual([u32(128), u32(132)], [image.scratch.addr, 2 * node.params[3]!]);
    node.params.forEach((v, i) => assert.equal(dv.getInt32(144 + 4 * i, true), v));
    assert.ok(
      image.descriptor.subarray(80, 112).every((b) => b === 0) &&
        image.descriptor.subarray(136, 144).every((b) => b === 0),
    );
  });

  test("the VM build run under V8 from the image, output region's root and bytes match the reference", async () => {
    const rng = new Rng(11);
    for (const name of ["matmul", "conv2d", "softmax", "attention"] as const) {
      const node = randomNode(name, rng, false);
      const image = buildNodeInput(node);
      const instance = await WebAssembly.instantiate(await kernelModule("vm"));
      const memory = instance.exports.memory as WebAssembly.Memory;
      memory.grow(image.pages - memory.buffer.byteLength / 0x10000);
      writeNodeInput(image, new Uint8Array(memory.buffer));
      (instance.exports.run as () => void)();
      const out = extractOutput(image, new Uint8Array(memory.buffer));
      const ref = runReference(node.op, node.inputs, node.params);
      assert.deepEqual(out, ref, name);
      const d = tensorDepth(out.length);
      const block = new Uint8Array(memory.buffer, image.output.addr, 32 * 2 ** d);
      assert.deepEqual(tensorRoot(block.slice(0, out.length)), tensorRoot(ref));
      assert.ok(
        block.subarray(out.length).every((b) => b === 0),
        "output block padding stays zero",
      );
    }
  });

  test("a node with the wrong operand count or an unknown op is refused with a typed error", () => {
    assert.throws(
      () => buildNodeInput({ op: Op.add, inputs: [new Uint8Array(1)], params: [1, 1, 1, 0] }),
      DnnShapeError,
    );
    assert.throws(() => buildNodeInput({ op: 0, inputs: [], params: [] }), DnnUnsupportedOpError);
    assert.throws(
      () => buildNodeInput({ op: Op.relu, inputs: [new Uint8Array(1)], params: [1.5] }),
      /parameter n is not an int32/,
    );
  });
});
