/**
 * The WGSL source of each op's compute shader: the prelude (bindings, typed loads, `main` writing
 * one output word per invocation), the 64-bit integer helpers, the op's family file from `wgsl/`,
 * then the op's element size and `elem` (docs/fixed-point.md: the same integer rules as the
 * reference, bit for bit).
 */
import { readFileSync } from "node:fs";
import type { OpName } from "../ops.ts";

type Family = "linear" | "elementwise" | "rows" | "attention" | "layout" | "generation";

/** Each op's WGSL family file and output element size in bytes (byte movers work on bytes). */
export const GPU_OPS: Record<OpName, { family: Family; esize: 1 | 2 | 4 }> = {
  matmul: { family: "linear", esize: 1 },
  conv2d: { family: "linear", esize: 1 },
  maxpool: { family: "elementwise", esize: 1 },
  avgpool: { family: "elementwise", esize: 1 },
  add: { family: "elementwise", esize: 1 },
  mul: { family: "elementwise", esize: 1 },
  relu: { family: "elementwise", esize: 1 },
  lut: { family: "elementwise", esize: 1 },
  softmax: { family: "rows", esize: 1 },
  norm: { family: "rows", esize: 1 },
  gather: { family: "layout", esize: 1 },
  rotary: { family: "layout", esize: 1 },
  attention: { family: "attention", esize: 1 },
  argmax: { family: "rows", esize: 4 },
  requant: { family: "linear", esize: 1 },
  transpose: { family: "layout", esize: 1 },
  concat: { family: "layout", esize: 1 },
  slice: { family: "layout", esize: 1 },
  copy: { family: "layout", esize: 1 },
  requant16: { family: "linear", esize: 2 },
  cvt8to16: { family: "elementwise", esize: 2 },
  cvt16to8: { family: "elementwise", esize: 1 },
  matmul16: { family: "linear", esize: 2 },
  add16: { family: "elementwise", esize: 2 },
  mul16: { family: "elementwise", esize: 2 },
  relu16: { family: "elementwise", esize: 2 },
  lut16: { family: "elementwise", esize: 2 },
  strided: { family: "layout", esize: 1 },
  genInit: { family: "generation", esize: 4 },
  genSample: { family: "generation", esize: 4 },
  attnCache: { family: "attention", esize: 1 },
};

/** What the shader's error word means (the prelude's E_* codes). */
export const WEBGPU_TRAPS: Record<number, string> = {
  1: "a multiplier is outside [0, 2^31)",
  2: "a shift is outside [0, 62]",
  3: "an index operand is out of range",
  4: "a parameter is outside the op's range",
};

const source = (name: string) => readFileSync(new URL(`./wgsl/${name}.wgsl`, import.meta.url), "utf8");

/** The whole WGSL module of one op. */
export function shaderSource(name: OpName): string {
  const { family, esize } = GPU_OPS[name];
  // The attention file uses softmaxOut from the rows file.
  const families = family === "attention" ? ["rows", "attention"] : [family];
  return [
    source("prelude"),
    source("int64"),
    ...families.map(source),
    `const ESIZE = ${esize}u;`,
    `fn elem(i: u32) -> i32 { return elem_${name}(i); }`,
  ].join("\n");
}
