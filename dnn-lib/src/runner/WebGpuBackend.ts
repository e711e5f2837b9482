/**
 * A phase-1 backend on the GPU: the ops' integer kernels in WGSL (dnn-lib/src/webgpu), run through
 * Dawn (the `webgpu` npm package), bit for bit the reference's. Dawn runs in a child process
 * (webgpu/gpuChild.ts) so that its occasional abort cannot take the caller down: a worker thread
 * (webgpu/bridge.mjs) owns the child, restarts it when it dies before answering, and resends the
 * weights and the request. `runNode` is synchronous like every Backend: it blocks on a shared flag
 * until the bridge posts the reply.
 *
 * Created with a model's weight tensors (slot order), it uploads them once; an operand that is one
 * of those arrays (by identity) is sent as a weight reference, only activations cross per node.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { Backend } from "./Backend.ts";
import type { ChildReply, ChildRequest } from "../webgpu/gpuChild.ts";
import { DnnKernelTrapError, DnnShapeError } from "../errors.ts";
import { WebGpuCrashError, WebGpuError, WebGpuUnavailableError } from "../webgpu/errors.ts";
import { OpmlError } from "../../../common/errors.ts";

export interface WebGpuBackendOptions {
  /** Fresh child processes tried after a crash before a node fails (default 5). */
  retries?: number;
  /**
   * How long one try may take before its child is killed and the try counts as a crash (default
   * 2 min: Dawn on a software adapter sometimes hangs instead of aborting, and a hang should cost
   * one retry, not the run; a node of a large model on a software adapter may need more).
   */
  timeoutMs?: number;
}

/** A child request without its id (the bridge numbers them), or one for the bridge itself. */
type BridgeRequest =
  | (ChildRequest extends infer R ? (R extends ChildRequest ? Omit<R, "id"> : never) : never)
  | { kind: "crashNext" }
  | { kind: "close" };
type BridgeReply = ChildReply & { restarts: number };

const TYPED: Record<string, new (m: string, o: { details?: string }) => OpmlError> = {
  DnnShapeError,
  DnnKernelTrapError,
  WebGpuCrashError,
  WebGpuError,
  WebGpuUnavailableError,
};

export class WebGpuBackend implements Backend {
  readonly name = "webgpu";
  /** Child processes started after a crash, over the backend's life. */
  restarts = 0;
  private readonly signal: Int32Array;
  private readonly weightIndex: Map<Uint8Array, number>;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    flag: SharedArrayBuffer,
    /** The longest the bridge can take on one request: every try timing out, and then some. */
    private readonly waitMs: number,
    weights: readonly Uint8Array[],
    /** The adapter the child opened (vendor, device, backend). */
    readonly device: string,
  ) {
    this.signal = new Int32Array(flag);
    this.weightIndex = new Map(weights.map((w, k) => [w, k]));
  }

  /** Starts the bridge and the child, opens the device and uploads `weights`. */
  static async create(weights: readonly Uint8Array[] = [], options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const retries = options.retries ?? 5;
    const waitMs = (retries + 2) * timeoutMs;
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const worker = new Worker(new URL("../webgpu/bridge.mjs", import.meta.url), {
      workerData: {
        port: port2,
        flag,
        childEntry: new URL("../webgpu/childEntry.mjs", import.meta.url).pathname,
        retries,
        timeoutMs,
      },
      transferList: [port2],
    });
    worker.unref();
    const pending = new WebGpuBackend(worker, port1, flag, waitMs, weights, "");
    const hello = pending.call({ kind: "hello" });
    const backend = new WebGpuBackend(worker, port1, flag, waitMs, weights, hello.description ?? "");
    backend.restarts = pending.restarts;
    if (weights.length > 0) backend.call({ kind: "weights", tensors: [...weights] });
    return backend;
  }

  runNode(op: number, inputs: readonly Uint8Array[], params: readonly number[]): Uint8Array {
    const operands = inputs.map((b) => {
      const k = this.weightIndex.get(b);
      return k === undefined ? b : { weight: k };
    });
    const r = this.call({ kind: "run", op, operands, params: [...params] });
    if (!r.output) throw new WebGpuCrashError("the WebGPU child returned no output", { details: `op ${op}` });
    return r.output;
  }

  /** Tests only: the child aborts on the next request's first try (as Dawn sometimes does). */
  crashNext(): void {
    this.call({ kind: "crashNext" });
  }

  /** Stops the child and the bridge. */
  async close(): Promise<void> {
    this.port.postMessage({ kind: "close" } satisfies BridgeRequest);
    this.port.close();
    await this.worker.terminate();
  }

  private call(req: BridgeRequest): ChildReply & { ok: true } {
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage(req);
    if (Atomics.wait(this.signal, 0, 0, this.waitMs) === "timed-out")
      throw new WebGpuCrashError("the WebGPU bridge did not answer", { details: `request ${req.kind}` });
    const reply = receiveMessageOnPort(this.port)?.message as BridgeReply | undefined;
    if (!reply) throw new WebGpuCrashError("the WebGPU bridge raised its flag without a reply");
    this.restarts = reply.restarts;
    if (reply.ok) return reply;
    const Typed = TYPED[reply.error.name] ?? WebGpuError;
    throw new Typed(reply.error.message, { details: reply.error.details });
  }
}
