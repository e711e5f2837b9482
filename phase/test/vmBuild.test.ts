import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { kernelBytes } from "../../dnn-lib/src/kernels.ts";
import { checkVmBuild, formatOpcodeSet, inspectVmBuild } from "../checkVmBuild.ts";
import { DnnBuildError } from "../../dnn-lib/src/errors.ts";

/** A hand-assembled module: one function `() -> ()` with the given body, optional import and memory. */
function module(body: number[], withImport: boolean): Uint8Array {
  const sec = (id: number, payload: number[]) => [id, payload.length, ...payload];
  const name = (s: string) => [s.length, ...Buffer.from(s)];
  const code = [0, ...body, 0x0b];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...sec(1, [1, 0x60, 0, 0]),
    ...(withImport ? sec(2, [1, ...name("env"), ...name("f"), 0x00, 0]) : []),
    ...sec(3, [1, 0]),
    ...sec(5, [1, 0x00, 1]),
    ...sec(10, [1, code.length, ...code]),
  ]);
}

describe("VM build check", () => {
  test("the VM build loads in the VM, keeps data below 0x10000 and uses only integer MVP opcodes", async () => {
    const report = checkVmBuild(await kernelBytes("vm"));
    console.log(`VM build opcode set (${report.opcodes.size}): ${formatOpcodeSet(report)}`);
    assert.deepEqual(report.violations, []); // the VM's loader refuses any import
    assert.ok(report.program !== null && report.memories === 1);
    assert.ok(report.opcodes.has("i64.mul") && report.opcodes.has("i32.load8_s"));
  });
  test("the SIMD build fails the check: the VM's loader refuses its v128 values", async () => {
    const report = inspectVmBuild(await kernelBytes("simd"));
    assert.ok(
      report.violations.some((v) => /SIMD: (v128|i8x16|i16x8|i32x4)/.test(v)),
      report.violations.join("\n"),
    );
  });
  test("a float opcode, an import and a sign-extension opcode are each reported", () => {
    const float = inspectVmBuild(module([0x43, 0, 0, 0, 0, 0x1a], false)); // f32.const 0; drop
    assert.deepEqual(float.violations, ["opcode f32.const is outside the integer MVP subset"]);
    const imported = inspectVmBuild(module([], true));
    assert.ok(imported.violations[0]!.includes('imports: "env"."f"'), imported.violations[0]);
    const signExtension = module([0x41, 0, 0xc0, 0x1a], false); // i32.const 0; i32.extend8_s; drop
    assert.deepEqual(inspectVmBuild(signExtension).violations, [
      "opcode i32.extend8_s is outside the integer MVP subset",
    ]);
    assert.throws(() => checkVmBuild(signExtension), DnnBuildError);
  });
});
