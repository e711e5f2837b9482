/**
 * The root of a slot tree of tensors (weightsRoot) with the tensor roots computed on worker
 * threads: each tensor's root is independent of the others, so a model's gigabytes of weights
 * hash on every core at once; the slot tree above them (one leaf per tensor) is built here. Same
 * root as `SlotTree.setSlot` tensor by tensor (commitment/test/slotTreeRootParallel.test.ts).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { SlotTree, slotLeaf } from "./slotTree.ts";
import { tensorRoot } from "./tensorRoot.ts";

/** Below this many bytes in all, the tensors are hashed on this thread (starting workers costs more). */
export const PARALLEL_MIN_BYTES = 64 << 20;

export interface ParallelRootOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Below this many bytes in all, hash on this thread (default PARALLEL_MIN_BYTES). */
  minBytes?: number;
  /** Called as each tensor's root is known: how many of them so far. */
  onProgress?: (done: number, total: number) => void;
}

/** The tensor root of each of `tensors`, hashed on worker threads, largest tensors first. */
export async function tensorRootsParallel(
  tensors: readonly Uint8Array[],
  opts: ParallelRootOptions = {},
): Promise<Uint8Array[]> {
  const total = tensors.reduce((a, t) => a + t.length, 0);
  const threads = Math.min(opts.threads ?? availableParallelism(), tensors.length);
  const roots: Uint8Array[] = new Array<Uint8Array>(tensors.length);
  let done = 0;
  if (threads < 2 || total < (opts.minBytes ?? PARALLEL_MIN_BYTES)) {
    tensors.forEach((t, k) => {
      roots[k] = tensorRoot(t);
      opts.onProgress?.(++done, tensors.length);
    });
    return roots;
  }
  const order = tensors.map((_, k) => k).sort((a, b) => tensors[b]!.length - tensors[a]!.length);
  let next = 0;
  // Each worker hashes out of one shared buffer of the largest tensor's size, with scratch it
  // allocated once: nothing is allocated per tensor (a model's gigabytes would outrun the GC).
  const maxLength = Math.max(1, tensors[order[0]!]!.length);
  const workers = Array.from({ length: threads }, () => {
    const worker = new Worker(new URL("./tensorRootWorker.mjs", import.meta.url));
    const sab = new SharedArrayBuffer(maxLength);
    worker.postMessage({ sab });
    return { worker, shared: new Uint8Array(sab) };
  });
  try {
    await Promise.all(
      workers.map(
        ({ worker, shared }) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= order.length) return resolve();
              const k = order[next++]!;
              shared.set(tensors[k]!);
              worker.postMessage({ k, length: tensors[k]!.length });
            };
            worker.on("message", ({ k, root }: { k: number; root: Uint8Array }) => {
              roots[k] = root;
              opts.onProgress?.(++done, tensors.length);
              give();
            });
            worker.once("error", reject);
            worker.once("exit", (code) => {
              if (next < order.length || done < tensors.length)
                reject(new Error(`tensor root worker exited (${code})`));
            });
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }
  return roots;
}

/** The slot tree root of `tensors` (slot k = tensor k), the tensor roots hashed in parallel. */
export async function slotTreeRootParallel(
  tensors: readonly Uint8Array[],
  opts: ParallelRootOptions = {},
): Promise<Uint8Array> {
  const roots = await tensorRootsParallel(tensors, opts);
  const tree = new SlotTree();
  roots.forEach((root, k) => tree.setSlotLeaf(k, slotLeaf(root, tensors[k]!.length)));
  return tree.root();
}
