import assert from "node:assert/strict";
import type { NodeSpec } from "../../dnn-lib/src/nodeInput.ts";
import { estimateSteps } from "../../dnn-lib/src/model/estimateSteps.ts";
import { threeWay } from "../../dnn-lib/test/threeWay.ts";
import { runInVm } from "../runInVm.ts";

/**
 * Runs a node on the reference, the SIMD build, the VM build under V8 and the VM build in the
 * project's VM (vm/), asserts all four agree and the VM run is within estimateSteps; the bytes.
 */
export async function fourWay(node: NodeSpec): Promise<Uint8Array> {
  const ref = await threeWay(node);
  const run = await runInVm(node);
  const what = `op ${node.op} params [${node.params.join(", ")}]`;
  assert.equal(run.status, "halted", `${what}: the VM trapped: ${run.trapReason}`);
  assert.deepEqual(run.output, ref, `the project's VM differs from the reference: ${what}`);
  const bound = estimateSteps(node.op, node.params);
  assert.ok(run.steps <= bound, `${what}: ${run.steps} VM steps > estimate ${bound}`);
  return ref;
}
