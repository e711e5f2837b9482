/**
 * One matmul node's dot products through onnxruntime's integer GEMM (MLAS): acc[m][n] = Σ_k
 * x[m][k]·w[n][k] in wrapping int32, the node's requantization left to the kernels
 * (NativeRunner's NATIVE_REQUANT_ROWS). The weights go into a one-node ONNX graph,
 * `MatMulInteger` of uint8 inputs (the int8 bytes with the sign bit flipped, zero point 128: (x ⊕
 * 0x80) − 128 = x) and uint8 or int8 weights (WeightType). onnxruntime packs the weights once.
 *
 * Why the bits are exact: every product of two 8-bit values is exact, and int32 sums that wrap
 * give the same bits in any order; what could break it is an instruction that saturates.
 * onnxruntime's uint8 × uint8 kernels widen both operands to 16 bits before multiplying (x86) or
 * use the exact 8-bit dot products (ARM); its uint8 × int8 kernels are taken only where a probe
 * shows them exact (signedPathExact). docs/fixed-point.md §7 lists each path. That audit is of the
 * onnxruntime release pinned in package.json; ORT_VERSION refuses any other.
 */
import { createRequire } from "node:module";
import type { Tensor } from "onnxruntime-node";
import { GraphBuilder } from "../onnx/builder.ts";
import { writeOnnx } from "../onnx/model.ts";
import { DataType } from "../onnx/proto.ts";
import { OrtGemmError } from "./errors.ts";

/** The onnxruntime release whose integer GEMM paths were checked exact (docs/fixed-point.md §7). */
export const ORT_VERSION = "1.30.0";

/** onnxruntime-node's synchronous session (the public API wraps it in a promise per run). */
interface SyncSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, Tensor>, fetches: Record<string, Tensor>, options: object): unknown;
  dispose(): void;
}
interface Runtime {
  InferenceSession: new () => SyncSession;
  Tensor: new (type: "uint8" | "int32", data: Uint8Array | Int32Array, dims: number[]) => Tensor;
}

let loaded: Runtime | OrtGemmError | undefined;

/**
 * onnxruntime-node's native binding and Tensor class, loaded on first use (a runner that needs no
 * external GEMM never loads them), after checking the release. Throws an OrtGemmError where the
 * package is missing, is another release, or has no binary for this platform.
 */
function runtime(): Runtime {
  if (loaded instanceof OrtGemmError) throw loaded;
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  try {
    const { version } = require("onnxruntime-node/package.json") as { version: string };
    if (version !== ORT_VERSION)
      throw new OrtGemmError(`onnxruntime-node ${version} is not the release the integer GEMM was checked on`, {
        details: `install onnxruntime-node ${ORT_VERSION}, or run the kernels' own GEMM (gemm: "kernels")`,
      });
    const b = require("onnxruntime-node/dist/binding.js") as {
      binding: { InferenceSession: Runtime["InferenceSession"] };
      initOrt(): void;
    };
    b.initOrt();
    const { Tensor } = require("onnxruntime-node") as { Tensor: Runtime["Tensor"] };
    loaded = { InferenceSession: b.binding.InferenceSession, Tensor };
    return loaded;
  } catch (e) {
    loaded =
      e instanceof OrtGemmError
        ? e
        : new OrtGemmError(`onnxruntime-node cannot be loaded on ${process.platform}-${process.arch}`, { cause: e });
    throw loaded;
  }
}

/** Whether onnxruntime's integer GEMM can run here (the checked release, with a binary for this platform). */
export function ortGemmAvailable(): boolean {
  try {
    runtime();
    return true;
  } catch {
    return false;
  }
}

/**
 * How onnxruntime takes the weights. "uint8": w ⊕ 0x80 with zero point 128, a uint8 × uint8
 * GEMM, exact on every path (docs/fixed-point.md §7). "int8": w itself, zero point 0, a uint8 ×
 * int8 GEMM; its x86 AVX2 form saturates 16-bit pair sums (vpmaddubsw), its VNNI and AMX forms do
 * not, and it is up to twice as fast there: taken only where signedPathExact says so.
 */
export type WeightType = "uint8" | "int8";

/**
 * The largest K for int8 weights: every partial sum of (x + 128)·w over K terms, at most
 * 255·128·K in magnitude, stays inside int32, so an accumulator that saturates on overflow
 * (VNNI's vpdpbusds) never does.
 */
export const MAX_SIGNED_K = Math.floor((2 ** 31 - 1) / (255 * 128));

const signedExact = new Map<string, boolean>();

/**
 * Whether onnxruntime's uint8 × int8 GEMM of this shape and thread count is exact on this machine:
 * K ≤ MAX_SIGNED_K, and a probe of the same shape whose every pair of products is the largest
 * (inputs 255 against weights −128 and 127: pair sums ±65,280, past int16) gives the exact sums.
 * A kernel that saturates pair sums fails the probe on every output; the others (VNNI, AMX, ARM's
 * dot products) cannot saturate below that K. Computed once per shape.
 */
export function signedPathExact(M: number, N: number, K: number, threads = 1): boolean {
  if (K > MAX_SIGNED_K) return false;
  const key = `${M}×${N}×${K}/${threads}`;
  let exact = signedExact.get(key);
  if (exact === undefined) {
    // Weight row n (output column n): −128 for even n, 127 for odd; every input 127 (byte 0xff).
    const w = new Int8Array(N * K).fill(-128);
    for (let n = 1; n < N; n += 2) w.fill(127, n * K, (n + 1) * K);
    const probe = OrtGemm.create(w, M, N, K, threads, "int8");
    const acc = new Int32Array(M * N);
    probe.run(new Uint8Array(M * K).fill(127), acc);
    probe.dispose();
    exact = acc.every((v, i) => v === 127 * K * ((i % N) % 2 === 0 ? -128 : 127));
    signedExact.set(key, exact);
  }
  return exact;
}

/** dst[i] = src[i] ⊕ 0x80 (int8 bytes as uint8 with zero point 128), a word at a time where aligned; returns dst. */
function flipSigns(src: Uint8Array | Int8Array, dst: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.length);
  const words = src.length >> 2;
  if ((src.byteOffset & 3) === 0 && (dst.byteOffset & 3) === 0) {
    const s32 = new Uint32Array(src.buffer, src.byteOffset, words);
    const d32 = new Uint32Array(dst.buffer, dst.byteOffset, words);
    for (let i = 0; i < words; i++) d32[i] = s32[i]! ^ 0x80808080;
  } else for (let i = 0; i < words * 4; i++) dst[i] = bytes[i]! ^ 0x80;
  for (let i = words * 4; i < src.length; i++) dst[i] = bytes[i]! ^ 0x80;
  return dst;
}

/** A one-node MatMulInteger session: uint8 inputs (zero point 128) × B (K × N, zero point 128 or 0). */
function gemmSession(b: Uint8Array | Int8Array, M: number, N: number, K: number, threads: number): SyncSession {
  const g = new GraphBuilder("int8_gemm");
  g.input("x", [M, K], DataType.UINT8);
  // The weights' rows (N × K), transposed by onnxruntime's constant folding at load, in C++.
  g.init("w", [N, K], b);
  const wt = g.node("Transpose", ["w"], { perm: [1, 0] });
  g.init("zx", [], new Uint8Array([128]));
  g.init("zw", [], b instanceof Int8Array ? new Int8Array([0]) : new Uint8Array([128]));
  g.node("MatMulInteger", ["x", wt, "zx", "zw"], {}, "acc");
  g.output("acc", [M, N], DataType.INT32);
  const bytes = writeOnnx(g.build(13));
  const session = new (runtime().InferenceSession)();
  try {
    session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      // Constant folding only (the weights' transpose); the weights are then packed at load.
      graphOptimizationLevel: "basic",
      logSeverityLevel: 3,
      // Every GEMM has its own pool: pool threads that spin between calls would starve the rest.
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
  } catch (e) {
    throw new OrtGemmError("onnxruntime could not load an integer GEMM", { cause: e });
  }
  return session;
}

export class OrtGemm {
  /** The sign-flipped input rows (onnxruntime reads them from here). */
  private readonly a: Uint8Array;
  private readonly input: Tensor;
  /** The output tensor of the last `acc` given (a runner passes the same view every call). */
  private output?: { acc: Int32Array; tensor: Tensor };

  private constructor(
    private readonly session: SyncSession,
    readonly M: number,
    readonly N: number,
    readonly K: number,
    /** How the weights went to onnxruntime. */
    readonly weights: WeightType,
  ) {
    this.a = new Uint8Array(M * K);
    this.input = new (runtime().Tensor)("uint8", this.a, [M, K]);
  }

  /**
   * A session for w[N][K] (int8 bytes, row n = output column n) applied to M input rows, on
   * `threads` intra-op threads. `weights`: how onnxruntime takes them (WeightType); "auto" takes
   * int8 where signedPathExact shows this shape's path exact, uint8 elsewhere.
   */
  static create(
    w: Uint8Array | Int8Array,
    M: number,
    N: number,
    K: number,
    threads = 1,
    weights: WeightType | "auto" = "auto",
  ): OrtGemm {
    if (w.length !== N * K)
      throw new OrtGemmError("matmul weights do not have the node's shape", {
        details: `${w.length} bytes for N = ${N}, K = ${K}`,
      });
    const type = weights === "auto" ? (signedPathExact(M, N, K, threads) ? "int8" : "uint8") : weights;
    // The rows as they are (⊕ 0x80 for uint8); the session transposes them to MatMulInteger's K × N.
    const b = type === "uint8" ? flipSigns(w, new Uint8Array(N * K)) : new Int8Array(w.buffer, w.byteOffset, w.length);
    return new OrtGemm(gemmSession(b, M, N, K, threads), M, N, K, type);
  }
  /** acc[M·N] = x[M·K] · wᵀ; x holds int8 bytes, acc may be a view of a kernel's memory. */
  run(x: Uint8Array, acc: Int32Array): void {
    const { M, N, K } = this;
    if (x.length !== M * K || acc.length !== M * N)
      throw new OrtGemmError("integer GEMM operands do not have the node's shape", {
        details: `x ${x.length} bytes (M·K = ${M * K}), acc ${acc.length} words (M·N = ${M * N})`,
      });
    flipSigns(x, this.a);
    try {
      if (this.output?.acc !== acc) this.output = { acc, tensor: new (runtime().Tensor)("int32", acc, [M, N]) };
      this.session.run({ x: this.input }, { acc: this.output.tensor }, {});
    } catch (e) {
      throw new OrtGemmError("onnxruntime's integer GEMM failed", { cause: e });
    }
  }

  dispose(): void {
    this.session.dispose();
  }
}
