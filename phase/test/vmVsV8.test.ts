import { test } from "node:test";
import assert from "node:assert/strict";
import { LEAF_BYTES, Machine, loadProgram } from "../../vm/index.ts";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildNodeInput, nodeSegments, writeNodeInput } from "../../dnn-lib/src/nodeInput.ts";
import { Op, type OpName } from "../../dnn-lib/src/ops.ts";
import { Rng } from "../../common/rng.ts";
import { randomNode } from "../../dnn-lib/src/randomNode.ts";
import { tensorDepth, tensorRoot } from "../../commitment/tensorRoot.ts";

// The built VM flavour of the kernel library; built on demand only when missing (importing the
// AssemblyScript compiler costs seconds, and dnn-lib's own tests keep the build current).
const built = fileURLToPath(new URL("../../dnn-lib/build/kernels-vm.wasm", import.meta.url));
const bytes = existsSync(built)
  ? new Uint8Array(readFileSync(built))
  : await (await import("../../dnn-lib/src/kernels.ts")).kernelBytes("vm");
const program = loadProgram(bytes);
const v8Module = new WebAssembly.Module(bytes);

test("phase 2: every dnn-lib op, VM vs V8 on the same module and input: same status, same memory, output subtree root = tensor root", () => {
  for (const name of Object.keys(Op) as OpName[]) {
    const rng = new Rng(0x5eed0000 + Op[name]);
    for (let i = 0; i < 2; i++) {
      const node = randomNode(name, rng, i === 1);
      const image = buildNodeInput(node);
      const m = Machine.create(program, {
        entry: "run",
        memoryPages: image.pages,
        writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
      });
      m.run();

      const inst = new WebAssembly.Instance(v8Module, {});
      const mem = inst.exports.memory as WebAssembly.Memory;
      mem.grow(image.pages - mem.buffer.byteLength / 65536);
      writeNodeInput(image, new Uint8Array(mem.buffer));
      let v8Trapped = false;
      try {
        (inst.exports.run as () => void)();
      } catch (e) {
        if (!(e instanceof WebAssembly.RuntimeError)) throw e;
        v8Trapped = true;
      }
      assert.equal(m.trapped, v8Trapped, `${name} case ${i}: VM ${m.trapReason || "halted"}, V8 trapped ${v8Trapped}`);
      assert.ok(
        Buffer.from(m.mem).equals(Buffer.from(new Uint8Array(mem.buffer))),
        `${name} case ${i}: linear memory differs`,
      );
      if (m.trapped) continue;

      const out = image.output;
      const d = tensorDepth(out.byteLength);
      assert.equal(out.addr % (LEAF_BYTES * 2 ** d), 0, "output region is aligned to its tensor tree");
      const native = new Uint8Array(mem.buffer).slice(out.addr, out.addr + out.byteLength);
      const sub = m.memoryTree().subtreeRoot(out.addr / (LEAF_BYTES * 2 ** d), d);
      assert.deepEqual(sub, tensorRoot(native), `${name} case ${i}: output subtree root`);
    }
  }
});
