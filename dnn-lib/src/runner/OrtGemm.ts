/**
 * One matmul node's dot products through onnxruntime's integer GEMM (MLAS): acc[m][n] = Σ_k
 * x[m][k]·w[n][k] in wrapping int32, the node's requantization left to the kernels
 * (NativeRunner's NATIVE_REQUANT_ROWS). The node's weights go into a one-node ONNX graph,
 * `MatMulInteger` of uint8 × uint8 with zero points 128: both operands are their int8 bytes with
 * the sign bit flipped, so (x ⊕ 0x80) − 128 = x. onnxruntime packs the weights once, at load.
 *
 * Why the bits are exact: every product of two 8-bit values is exact, and int32 sums that wrap
 * give the same bits in any order; what could break it is an instruction that saturates.
 * onnxruntime's uint8 × uint8 kernels widen both operands to 16 bits before multiplying (x86)
 * or use the exact 8-bit dot products (ARM): docs/native.md lists each path. The uint8 × int8
 * kernels would not do: x86's AVX2 form saturates 16-bit pair sums (vpmaddubsw). That proof is
 * for the onnxruntime release pinned in package.json; ORT_VERSION refuses any other.
 */
import { createRequire } from "node:module";
import ort from "onnxruntime-node";
import { GraphBuilder } from "../onnx/builder.ts";
import { writeOnnx } from "../onnx/model.ts";
import { DataType } from "../onnx/proto.ts";
import { OrtGemmError } from "./errors.ts";

/** The onnxruntime release whose integer GEMM paths were checked exact (docs/native.md). */
export const ORT_VERSION = "1.30.0";

/** onnxruntime-node's synchronous session (the public API wraps it in a promise per run). */
interface SyncSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>, options: object): unknown;
  dispose(): void;
}
interface Binding {
  binding: { InferenceSession: new () => SyncSession };
  initOrt(): void;
}

let loaded: Binding | undefined;

/** onnxruntime-node's native binding, after checking its release. */
function binding(): Binding {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const { version } = require("onnxruntime-node/package.json") as { version: string };
  if (version !== ORT_VERSION)
    throw new OrtGemmError(`onnxruntime-node ${version} is not the release the integer GEMM was checked on`, {
      details: `install onnxruntime-node ${ORT_VERSION}, or run the kernels' own GEMM (gemm: "kernels")`,
    });
  const b = require("onnxruntime-node/dist/binding.js") as Binding;
  b.initOrt();
  loaded = b;
  return b;
}

export class OrtGemm {
  /** The sign-flipped input rows (onnxruntime reads them from here). */
  private readonly a: Uint8Array;
  private readonly a32: Uint32Array;
  private readonly input: ort.Tensor;
  /** The output tensor of the last `acc` given (a runner passes the same view every call). */
  private output?: { acc: Int32Array; tensor: ort.Tensor };

  private constructor(
    private readonly session: SyncSession,
    readonly M: number,
    readonly N: number,
    readonly K: number,
  ) {
    this.a = new Uint8Array(M * K);
    this.a32 = new Uint32Array(this.a.buffer, 0, (M * K) >> 2);
    this.input = new ort.Tensor("uint8", this.a, [M, K]);
  }

  /**
   * A session for w[N][K] (int8 bytes, row n = output column n) applied to M input rows, on
   * `threads` intra-op threads.
   */
  static create(w: Uint8Array | Int8Array, M: number, N: number, K: number, threads = 1): OrtGemm {
    if (w.length !== N * K)
      throw new OrtGemmError("matmul weights do not have the node's shape", {
        details: `${w.length} bytes for N = ${N}, K = ${K}`,
      });
    // B[k][n] = w[n][k] ⊕ 0x80: MatMulInteger takes B as K × N.
    const b = new Uint8Array(N * K);
    for (let n = 0; n < N; n++) {
      const row = n * K;
      for (let k = 0; k < K; k++) b[k * N + n] = (w[row + k]! & 0xff) ^ 0x80;
    }
    const g = new GraphBuilder("int8_gemm");
    g.input("x", [M, K], DataType.UINT8);
    g.init("w", [K, N], b);
    g.init("zx", [], new Uint8Array([128]));
    g.init("zw", [], new Uint8Array([128]));
    g.node("MatMulInteger", ["x", "w", "zx", "zw"], {}, "acc");
    g.output("acc", [M, N], DataType.INT32);
    const bytes = writeOnnx(g.build(13));
    const { binding: native } = binding();
    const session = new native.InferenceSession();
    try {
      session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
        // Nothing to optimize in one node; the weights are still packed at load.
        graphOptimizationLevel: "disabled",
        logSeverityLevel: 3,
        // Every group has its own session: pool threads that spin between calls would starve the rest.
        extra: { session: { intra_op: { allow_spinning: "0" } } },
      });
    } catch (e) {
      throw new OrtGemmError("onnxruntime could not load an integer GEMM", { cause: e });
    }
    return new OrtGemm(session, M, N, K);
  }

  /** acc[M·N] = x[M·K] · wᵀ; x holds int8 bytes, acc may be a view of a kernel's memory. */
  run(x: Uint8Array, acc: Int32Array): void {
    const { a, a32, M, N, K } = this;
    if (x.length !== M * K || acc.length !== M * N)
      throw new OrtGemmError("integer GEMM operands do not have the node's shape", {
        details: `x ${x.length} bytes (M·K = ${M * K}), acc ${acc.length} words (M·N = ${M * N})`,
      });
    const words = a32.length;
    if ((x.byteOffset & 3) === 0) {
      const x32 = new Uint32Array(x.buffer, x.byteOffset, words);
      for (let i = 0; i < words; i++) a32[i] = x32[i]! ^ 0x80808080;
    } else for (let i = 0; i < words * 4; i++) a[i] = x[i]! ^ 0x80;
    for (let i = words * 4; i < a.length; i++) a[i] = x[i]! ^ 0x80;
    try {
      if (this.output?.acc !== acc) this.output = { acc, tensor: new ort.Tensor("int32", acc, [M, N]) };
      this.session.run({ x: this.input }, { acc: this.output.tensor }, {});
    } catch (e) {
      throw new OrtGemmError("onnxruntime's integer GEMM failed", { cause: e });
    }
  }

  dispose(): void {
    this.session.dispose();
  }
}
