/**
 * A phase-1 backend that runs nodes through the kernel library's WebAssembly
 * component (dnn-lib/component/dnn.wit, transpiled by jco): the model's weight
 * tensors go into a `weights` resource once, at creation, and stay in the
 * component's memory; each node passes only its activations (an operand that
 * is one of those weight arrays, by identity, is sent as a weight reference)
 * and gets its output back.
 *
 * A `kernel-error` from the component becomes a DnnComponentError carrying the
 * variant; a trap inside a kernel becomes a DnnKernelTrapError, as on the core
 * module. A trapped component instance refuses every later call (component
 * model semantics), so the backend then starts a fresh instance and loads the
 * weights into it again.
 */
import type { Backend } from "./Backend.ts";
import { outputByteLength } from "../ops.ts";
import { scratchByteLength } from "../nodeInput.ts";
import { DnnKernelTrapError } from "../errors.ts";
import { loadComponent, type ComponentFactory } from "../../component/build.ts";
import type { KernelError, KernelStats, Kernels, Operand, Weights } from "../../component/bindings.ts";
import { DnnComponentError } from "../../component/errors.ts";

const ERROR_MESSAGES: Record<KernelError["tag"], string> = {
  "unknown-weight": "an operand names a weight tensor the component does not hold",
  "too-many-operands": "more operands than the node descriptor holds",
  "too-many-params": "more parameters than the node descriptor holds",
  "out-of-memory": "the component's memory cannot grow to hold the node's output",
};

/** A `kernel-error` value thrown by the transpiled `run-node`, or undefined for anything else (a trap). */
function kernelError(e: unknown): KernelError | undefined {
  return typeof e === "object" &&
    e !== null &&
    !(e instanceof Error) &&
    "tag" in e &&
    (e.tag as string) in ERROR_MESSAGES
    ? (e as KernelError)
    : undefined;
}

export class ComponentBackend implements Backend {
  readonly name = "component";
  private kernels: Kernels;
  private handle: Weights;
  /** Component instances started so far: 1, plus one per trap. */
  instances = 1;
  private readonly weightIndex: Map<Uint8Array, number>;

  private constructor(
    private readonly factory: ComponentFactory,
    private readonly weights: readonly Uint8Array[],
  ) {
    this.weightIndex = new Map(weights.map((w, k) => [w, k]));
    this.kernels = factory.instantiate();
    this.handle = new this.kernels.Weights([...weights]);
  }

  /** A fresh component instance holding `weights` (a model's weight tensors, in slot order). */
  static async create(weights: readonly Uint8Array[] = []): Promise<ComponentBackend> {
    return new ComponentBackend(await loadComponent(), weights);
  }

  /** The component's own counters (weights loaded, bytes that crossed, memory size). */
  stats(): KernelStats {
    return this.kernels.stats();
  }

  runNode(op: number, inputs: readonly Uint8Array[], params: readonly number[]): Uint8Array {
    const operands: Operand[] = inputs.map((b) => {
      const k = this.weightIndex.get(b);
      return k === undefined ? { tag: "activation", val: b } : { tag: "weight", val: k };
    });
    return this.runOperands(op, operands, params);
  }

  /** Runs a node whose operands are given as weight references or activation bytes. */
  runOperands(op: number, operands: Operand[], params: readonly number[]): Uint8Array {
    const node = {
      op,
      operands,
      params: Int32Array.from(params),
      outputLength: outputByteLength(op, params),
      scratchLength: scratchByteLength(op, params),
    };
    try {
      return this.kernels.runNode(this.handle, node);
    } catch (e) {
      const err = kernelError(e);
      if (err) throw new DnnComponentError(ERROR_MESSAGES[err.tag], err, { details: describe(err), cause: e });
      if (e instanceof WebAssembly.RuntimeError) {
        this.kernels = this.factory.instantiate();
        this.handle = new this.kernels.Weights([...this.weights]);
        this.instances++;
        throw new DnnKernelTrapError("the component's kernel trapped", { details: `op ${op}`, cause: e });
      }
      throw e;
    }
  }
}

function describe(err: KernelError): string {
  switch (err.tag) {
    case "unknown-weight":
      return `weight ${err.val.index}, the component holds ${err.val.count}`;
    case "out-of-memory":
      return `${err.val} bytes`;
    default:
      return `${err.val}`;
  }
}
