/**
 * Split on activations (sizes as input, as attribute, equal parts, num_outputs; any axis) against
 * onnxruntime: one `slice` per output, each output the input's elements rounded to its int8 scale.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder } from "../src/onnx/builder.ts";
import type { OnnxModel } from "../src/onnx/model.ts";
import { movesBytesExactly, normalFeeds } from "./onnxCompare.ts";

const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));

/** x [4, 7, 3] → Split on `axis` into three outputs; `form` says where the sizes come from. */
function splitModel(axis: number, form: "input" | "attribute" | "equal" | "num_outputs"): OnnxModel {
  const g = new GraphBuilder("split");
  const ins = [g.input("x", [4, 7, 3])];
  const sizes = axis === 1 || axis === -2 ? [1, 4, 2] : [2, 1, 1];
  if (form === "input") ins.push(g.init("sp", [3], i64(sizes)));
  const attrs: Record<string, number | number[]> = { axis };
  if (form === "attribute") attrs.split = sizes;
  if (form === "num_outputs") attrs.num_outputs = 3;
  g.node("Split", ins, attrs, "y0");
  for (const o of ["y0", "y1", "y2"]) g.output(o, []);
  const opset = { input: 13, attribute: 11, equal: 13, num_outputs: 18 }[form];
  const m = g.build(opset);
  m.graph.nodes[0]!.outputs = ["y0", "y1", "y2"];
  return m;
}

test("Split: sizes as input (13+), as attribute (before 13), equal parts, num_outputs (18, last part smaller), any axis", async () => {
  const cases: [number, Parameters<typeof splitModel>[1]][] = [
    [1, "input"],
    [-2, "input"],
    [0, "attribute"],
    [1, "attribute"],
    [2, "equal"],
    [1, "num_outputs"],
    [0, "input"],
  ];
  for (const [i, [axis, form]] of cases.entries()) {
    const ops = await movesBytesExactly(
      splitModel(axis, form),
      normalFeeds(20 + i, 2, "x", [4, 7, 3]),
      `${form} axis ${axis}`,
    );
    assert.deepEqual(ops, ["slice", "slice", "slice"], `${form} axis ${axis}: ${ops}`);
  }
});
