/**
 * The JS shape of dnn.wit's `opml:dnn/kernels` export as jco transpiles it
 * (build/dnn-component/interfaces/opml-dnn-kernels.d.ts, generated at build
 * time, so not importable by the typecheck): written out here. Results are
 * lifted jco's way: `run-node` returns the `ok` value and throws the
 * `kernel-error` value itself (transpiled with noComponentErrorWrapping).
 */
export interface WeightRef {
  index: number;
  count: number;
}

export type KernelError =
  | { tag: "unknown-weight"; val: WeightRef }
  | { tag: "too-many-operands"; val: number }
  | { tag: "too-many-params"; val: number }
  | { tag: "out-of-memory"; val: bigint };

export type Operand = { tag: "weight"; val: number } | { tag: "activation"; val: Uint8Array };

export interface Node {
  op: number;
  operands: Operand[];
  params: Int32Array | number[];
  outputLength: number;
  scratchLength: number;
}

export interface KernelStats {
  weightsCreated: number;
  weightsLive: number;
  residentBytes: bigint;
  nodesRun: bigint;
  activationBytesIn: bigint;
  outputBytesOut: bigint;
  memoryBytes: bigint;
}

export interface Weights {
  count(): number;
  byteLength(): bigint;
  /** Drops the handle: the component's destructor frees the tensors. */
  [Symbol.dispose](): void;
}

export interface Kernels {
  Weights: new (tensors: Uint8Array[]) => Weights;
  runNode(w: Weights, node: Node): Uint8Array;
  stats(): KernelStats;
}

/** The transpiled module (jco `--instantiation async`): one call, one fresh component instance. */
export interface TranspiledComponent {
  instantiate(
    getCoreModule: (path: string) => unknown,
    imports: Record<string, never>,
    instantiateCore?: (module: unknown, imports: Record<string, unknown>) => unknown,
  ): { kernels: Kernels };
}
