/**
 * The VM steps of the copy-bound ops (copy, concat, slice, gather, transpose, strided) on a few
 * shapes: each node run in the project's VM (vm/Machine, as phase/test/vmRun.test.ts does), its
 * output checked against the reference, then steps, steps per output byte and `estimateSteps`'
 * bound printed as a Markdown table. Step counts are exact and machine-independent; this is how
 * the layout ops' bounds in dnn-lib/src/model/estimateSteps.ts were fitted. Run:
 * `npx tsx phase/tools/layoutSteps.ts`.
 */
import { Op, outputByteLength } from "../../dnn-lib/src/ops.ts";
import { runReference } from "../../dnn-lib/src/reference/runReference.ts";
import { estimateSteps } from "../../dnn-lib/src/model/estimateSteps.ts";
import type { NodeSpec } from "../../dnn-lib/src/nodeInput.ts";
import { Rng } from "../../common/rng.ts";
import { runInVm } from "../runInVm.ts";

const rng = new Rng(0x1a70);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => rng.int(0, 255));
const ids = (T: number, V: number) => new Uint8Array(Int32Array.from({ length: T }, () => rng.int(0, V - 1)).buffer);

/** A strided view of a row-major [a][b][c][d] tensor of E-byte elements, its axes in `perm` order. */
function permuted(src: [number, number, number, number], perm: [number, number, number, number], E: number): NodeSpec {
  const stride = [src[1] * src[2] * src[3], src[2] * src[3], src[3], 1];
  const n = src[0] * src[1] * src[2] * src[3];
  return {
    op: Op.strided,
    inputs: [bytes(n * E)],
    params: [...perm.map((k) => src[k]!), ...perm.map((k) => stride[k]!), E, n],
  };
}

const nodes: [string, NodeSpec][] = [];
for (const n of [1, 7, 64, 1000, 65539]) nodes.push([`copy n=${n}`, { op: Op.copy, inputs: [bytes(n)], params: [n] }]);
for (const [O, A, B] of [
  [1, 4096, 4096],
  [64, 100, 27],
  [1000, 1, 1],
  [16, 8, 3000],
]) {
  const [o, a, b] = [O!, A!, B!];
  nodes.push([
    `concat O=${o} A=${a} B=${b}`,
    { op: Op.concat, inputs: [bytes(o * a), bytes(o * b)], params: [o, a, b] },
  ]);
}
for (const [O, I, start, len] of [
  [64, 4096, 5, 100],
  [1, 100000, 3, 50000],
  [1000, 10, 3, 1],
  [8, 8192, 1, 4095],
]) {
  const [o, i, s, l] = [O!, I!, start!, len!];
  nodes.push([
    `slice O=${o} I=${i} start=${s} len=${l}`,
    { op: Op.slice, inputs: [bytes(o * i)], params: [o, i, s, l] },
  ]);
}
for (const [V, D, T] of [
  [100, 4096, 8],
  [1000, 1, 100],
  [50, 63, 40],
]) {
  const [v, d, t] = [V!, D!, T!];
  nodes.push([`gather V=${v} D=${d} T=${t}`, { op: Op.gather, inputs: [bytes(v * d), ids(t, v)], params: [v, d, t] }]);
}
for (const [R, C, E] of [
  [64, 64, 1],
  [64, 64, 2],
  [64, 64, 4],
  [256, 3, 1],
  [3, 257, 2],
]) {
  const [r, c, e] = [R!, C!, E!];
  nodes.push([`transpose R=${r} C=${c} E=${e}`, { op: Op.transpose, inputs: [bytes(r * c * e)], params: [r, c, e] }]);
}
nodes.push(["strided [2,8,16,64]→(0,2,1,3) E=1", permuted([2, 8, 16, 64], [0, 2, 1, 3], 1)]);
nodes.push(["strided [2,8,16,64]→(0,2,1,3) E=4", permuted([2, 8, 16, 64], [0, 2, 1, 3], 4)]);
nodes.push(["strided [2,8,16,64]→(0,1,3,2) E=1", permuted([2, 8, 16, 64], [0, 1, 3, 2], 1)]);
nodes.push(["strided [1,1,256,3]→(0,1,3,2) E=2", permuted([1, 1, 256, 3], [0, 1, 3, 2], 2)]);

console.log("| node | output bytes | VM steps | steps / output byte | estimateSteps |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [what, node] of nodes) {
  const run = await runInVm(node);
  const ref = runReference(node.op, node.inputs, node.params);
  if (run.status !== "halted" || !run.output || Buffer.compare(run.output, ref) !== 0)
    throw new Error(
      `${what}: the VM run ${run.status === "halted" ? "differs from the reference" : `trapped: ${run.trapReason}`}`,
    );
  const out = outputByteLength(node.op, node.params);
  const bound = estimateSteps(node.op, node.params);
  console.log(`| ${what} | ${out} | ${run.steps} | ${(run.steps / out).toFixed(2)} | ${bound} |`);
}
