/**
 * The WebGPU child process (childEntry.mjs starts it): opens the device, then serves the bridge's
 * requests over the IPC channel one at a time — `hello` (the adapter's description), `weights`
 * (upload a model's tensors), `run` (one node), `abort` (die as a Dawn abort does; the crash tests
 * use it). A typed error goes back as a value; a crash is the bridge's to handle. It exits when its
 * parent goes.
 */
import { GpuKernels, type GpuOperand } from "./GpuKernels.ts";
import { OpmlError } from "../../../common/errors.ts";

export type ChildRequest =
  | { id: number; kind: "hello" }
  | { id: number; kind: "weights"; tensors: Uint8Array[] }
  | { id: number; kind: "run"; op: number; operands: GpuOperand[]; params: number[] }
  | { id: number; kind: "abort" };

export interface ChildError {
  name: string;
  message: string;
  details?: string;
}
export type ChildReply = { id: number } & (
  { ok: true; output?: Uint8Array; description?: string } | { ok: false; error: ChildError }
);

function toChildError(e: unknown): ChildError {
  if (e instanceof OpmlError) return { name: e.name, message: e.shortMessage, details: e.details };
  return { name: "WebGpuError", message: e instanceof Error ? e.message : String(e) };
}

const send = (reply: ChildReply): void => {
  process.send!(reply);
};
process.on("disconnect", () => process.exit(0));

let kernels: Promise<GpuKernels> | undefined;
let queue: Promise<void> = Promise.resolve();

async function serve(req: ChildRequest): Promise<void> {
  if (req.kind === "abort") process.abort();
  try {
    kernels ??= GpuKernels.create();
    const k = await kernels;
    switch (req.kind) {
      case "hello":
        return send({ id: req.id, ok: true, description: k.description });
      case "weights":
        k.setWeights(req.tensors);
        return send({ id: req.id, ok: true });
      case "run":
        return send({ id: req.id, ok: true, output: await k.runNode(req.op, req.operands, req.params) });
    }
  } catch (e) {
    send({ id: req.id, ok: false, error: toChildError(e) });
  }
}

process.on("message", (req: ChildRequest) => {
  queue = queue.then(() => serve(req));
});
