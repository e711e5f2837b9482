/**
 * Slice on activations (any axes, steps, negative ones included, both opset forms) fuzzed against
 * onnxruntime: a slice only moves bytes, so every output element must be the input element
 * onnxruntime picks, rounded to the input's int8 scale, and the SIMD build must agree.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../common/rng.ts";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { movesBytesExactly, normalFeeds } from "./onnxCompare.ts";

const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));

test("Slice fuzz: random shapes, several axes, steps ±1..±3, out-of-range bounds: the elements onnxruntime picks", async () => {
  const r = new Rng(1313);
  let cases = 0;
  const ops = new Set<string>();
  while (cases < 40) {
    const dims = Array.from({ length: r.int(1, 4) }, () => r.int(1, 6));
    const axes = dims.map((_, k) => k).filter(() => r.chance(0.6));
    if (axes.length === 0) continue;
    const steps = axes.map(() => r.pick([-3, -2, -1, 1, 2, 3]));
    const starts = axes.map((a) => r.int(-dims[a]! - 1, dims[a]! + 1));
    const ends = axes.map((a, i) =>
      r.chance(0.2) ? (steps[i]! > 0 ? 2 ** 40 : -(2 ** 40)) : r.int(-dims[a]! - 1, dims[a]! + 1),
    );
    // Keep the cases with a non-empty result (an empty slice is refused).
    const nonEmpty = axes.every((a, i) => {
      const d = dims[a]!;
      const norm = (v: number) => (v < 0 ? v + d : v);
      const [s, e, st] = [norm(starts[i]!), norm(ends[i]!), steps[i]!];
      const [s1, e1] =
        st > 0
          ? [Math.min(Math.max(s, 0), d), Math.min(Math.max(e, 0), d)]
          : [Math.min(Math.max(s, 0), d - 1), Math.min(Math.max(e, -1), d - 1)];
      return st > 0 ? e1 > s1 : s1 > e1;
    });
    if (!nonEmpty) continue;
    const g = new GraphBuilder("slice");
    const ins = [g.input("x", dims), g.init("s", [axes.length], i64(starts)), g.init("e", [axes.length], i64(ends))];
    ins.push(g.init("a", [axes.length], i64(axes.map((a) => (r.chance(0.5) ? a - dims.length : a)))));
    ins.push(g.init("st", [axes.length], i64(steps)));
    g.node("Slice", ins, {}, "y");
    g.output("y", []);
    const label = `x[${dims}] axes [${axes}] starts [${starts}] ends [${ends}] steps [${steps}]`;
    for (const op of await movesBytesExactly(g.build(17), normalFeeds(cases, 2, "x", dims), label)) ops.add(op);
    cases++;
  }
  for (const op of ["slice", "strided", "concat"]) assert.ok(ops.has(op), `no ${op} in ${[...ops]}`);
});

test("Slice before opset 10 (starts, ends, axes as attributes) on an activation", async () => {
  const g = new GraphBuilder("slice9");
  g.node("Slice", [g.input("x", [3, 5, 4])], { starts: [1, -3], ends: [3, 100], axes: [0, 2] }, "y");
  g.output("y", []);
  await movesBytesExactly(g.build(9), normalFeeds(3, 2, "x", [3, 5, 4]), "opset 9");
});
