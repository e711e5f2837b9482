/**
 * A model compiled for the protocol: the graph compiler's output (dnn-lib's compileGraph: tiling,
 * node layouts, graphRoot and weightsRoot) with the commitment completed by programRoot, the VM
 * memory root of the kernel library's program image (docs/protocol.md §4.1).
 */
import type { Progress } from "../common/progress.ts";
import {
  compileGraph,
  type CompiledGraph,
  type CompileOptions,
  type GraphCommitment,
} from "../dnn-lib/src/model/compileGraph.ts";
import type { Model } from "../dnn-lib/src/model/Model.ts";
import { programRoot } from "./programRoot.ts";

/** `modelId → (programRoot, graphRoot, weightsRoot, nodeCount, slots)` as registered on chain. */
export interface ModelCommitment extends GraphCommitment {
  programRoot: Uint8Array;
}

export interface CompiledModel extends CompiledGraph {
  commitment: ModelCommitment;
}

export async function compileModel(source: Model, opts: CompileOptions = {}): Promise<CompiledModel> {
  const compiled = compileGraph(source, opts);
  return { ...compiled, commitment: { programRoot: await programRoot(), ...compiled.commitment } };
}

/** Compiles (tiles, lays out, Merkleizes) with progress. */
export async function compileWithProgress(
  model: Model,
  progress: Progress,
  maxStepsPerNode?: number,
): Promise<CompiledModel> {
  const tasks = new Map<string, ReturnType<Progress["start"]>>();
  const labels = { layout: "Laying out and hashing nodes", weights: "Merkleizing weights" } as const;
  return compileModel(model, {
    maxStepsPerNode,
    onProgress(stage, done, total) {
      let task = tasks.get(stage);
      if (!task)
        tasks.set(stage, (task = progress.start(labels[stage], total, stage === "layout" ? "nodes" : "tensors")));
      task.update(done, total);
      if (done === total) task.done();
    },
  });
}
