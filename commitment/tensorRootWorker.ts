/** A tensorRootsParallel worker: the tensor root of each tensor it is sent, sent back with its index. */
import { parentPort } from "node:worker_threads";
import { tensorRoot } from "./tensorRoot.ts";

parentPort!.on("message", ({ k, bytes }: { k: number; bytes: Uint8Array }) => {
  parentPort!.postMessage({ k, root: tensorRoot(bytes) });
});
