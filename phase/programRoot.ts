/**
 * programRoot (docs/protocol.md §4.1, §5.1.1): the VM memory root of the kernel
 * library's program image for the entry export `run`, before any node input,
 * as the project's VM (vm/Machine) builds it.
 */
import { Machine } from "../vm/index.ts";
import { kernelProgram } from "./runInVm.ts";

let cached: Promise<Uint8Array> | null = null;

export function programRoot(): Promise<Uint8Array> {
  cached ??= kernelProgram().then((p) => Machine.create(p, { entry: "run" }).memoryTree().root());
  return cached;
}
