/**
 * A tensorRootsParallel worker: given a shared buffer, then for each message the index and length
 * of the tensor written at its start, sends back that tensor's root with its index. Its scratch
 * is allocated once, for the largest tensor the buffer holds.
 */
import { parentPort } from "node:worker_threads";
import { tensorRootScratch, tensorRootWith } from "./tensorRoot.ts";

parentPort!.once("message", ({ sab }: { sab: SharedArrayBuffer }) => {
  const scratch = tensorRootScratch(sab.byteLength);
  parentPort!.on("message", ({ k, length }: { k: number; length: number }) => {
    parentPort!.postMessage({ k, root: tensorRootWith(new Uint8Array(sab, 0, length), scratch) });
  });
});
