import assert from "node:assert/strict";
import { runReference } from "../src/reference/runReference.ts";
import { runKernel } from "../src/runKernel.ts";
import type { NodeSpec } from "../src/nodeInput.ts";

/** Runs a node on the reference and both kernel builds, asserts they agree, and returns the bytes. */
export async function threeWay(node: NodeSpec): Promise<Uint8Array> {
  const ref = runReference(node.op, node.inputs, node.params);
  assert.deepEqual(await runKernel("vm", node), ref, "VM build differs from the reference");
  assert.deepEqual(await runKernel("simd", node), ref, "SIMD build differs from the reference");
  return ref;
}
