/**
 * The op kernels on a WebGPU device, in this process (the child process of WebGpuBackend runs it):
 * one compute pipeline per op, compiled on first use from shaders.ts, operands bound as storage
 * buffers, one output word per invocation. A model's weight tensors are uploaded once and stay on
 * the device; a node names them by index.
 *
 * The device: Dawn through the `webgpu` npm package, the platform's default backend first, then
 * OpenGL ES in compatibility mode (Mesa's llvmpipe on a machine without a GPU; EGL_PLATFORM
 * surfaceless).
 */
import { create, globals } from "webgpu";
import { opInfo, inputByteLengths, outputByteLength, type OpName } from "../ops.ts";
import { DnnKernelTrapError, DnnShapeError } from "../errors.ts";
import { WebGpuError, WebGpuUnavailableError } from "./errors.ts";
import { shaderSource, WEBGPU_TRAPS } from "./shaders.ts";

/** An operand: its bytes, or the index of a weight tensor uploaded with setWeights. */
export type GpuOperand = Uint8Array | { weight: number };

const OPERAND_BINDINGS = 5;
const PARAM_WORDS = 16;
const OUTPUT_BYTES_PARAM = 12;
const WORKGROUP = 64;
const MAX_GROUPS_X = 65535;
const [UNIFORM_SLOT, OUT_SLOT, ERR_SLOT, READ_SLOT] = [5, 6, 7, 8];

Object.assign(globalThis, globals);
const { STORAGE, COPY_DST, COPY_SRC, UNIFORM, MAP_READ } = GPUBufferUsage;

/** Adapters tried in order: the platform's default, then OpenGL ES (compatibility). */
const ADAPTERS: { flags: string[]; options: GPURequestAdapterOptions }[] = [
  { flags: [], options: {} },
  { flags: ["backend=opengles"], options: { featureLevel: "compatibility" } },
];

export class GpuKernels {
  private readonly pipelines = new Map<number, GPUComputePipeline>();
  private weights: GPUBuffer[] = [];
  private weightLengths: number[] = [];
  private readonly dummy: GPUBuffer;
  private readonly slots: GPUBuffer[] = [];

  private constructor(
    private readonly device: GPUDevice,
    /** The adapter's description (vendor, architecture, device) and the backend flags used. */
    readonly description: string,
    private readonly layout: GPUBindGroupLayout,
  ) {
    this.dummy = this.buffer(new Uint8Array(4), STORAGE);
  }

  static async create(): Promise<GpuKernels> {
    process.env.EGL_PLATFORM ??= "surfaceless";
    for (const { flags, options } of ADAPTERS) {
      const adapter = await create(flags).requestAdapter(options);
      if (!adapter) continue;
      const device = await adapter.requestDevice();
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } },
      ];
      for (let b = 1; b <= OPERAND_BINDINGS; b++)
        entries.push({ binding: b, visibility: GPUShaderStage.COMPUTE, buffer: { type: "read-only-storage" } });
      for (const b of [6, 7])
        entries.push({ binding: b, visibility: GPUShaderStage.COMPUTE, buffer: { type: "storage" } });
      const { vendor, architecture, device: name, description } = adapter.info;
      const what = [vendor, architecture, name, description].filter((s) => s).join(" ");
      return new GpuKernels(
        device,
        `${what || "unknown adapter"} (${flags.join(" ") || "default backend"})`,
        device.createBindGroupLayout({ entries }),
      );
    }
    throw new WebGpuUnavailableError("no WebGPU adapter", {
      details:
        "Dawn found no adapter on the default backend or on OpenGL ES (Mesa EGL/GLES: libegl1, libgles2, libegl-mesa0)",
    });
  }

  /** Uploads a model's weight tensors (slot order), replacing any held before. */
  setWeights(tensors: readonly Uint8Array[]): void {
    for (const b of this.weights) b.destroy();
    this.weights = tensors.map((t) => this.buffer(t, STORAGE));
    this.weightLengths = tensors.map((t) => t.length);
  }

  /** Runs one node: checks the operand lengths as the reference does, then dispatches the op's shader. */
  async runNode(op: number, operands: readonly GpuOperand[], params: readonly number[]): Promise<Uint8Array> {
    const info = opInfo(op);
    const outLen = outputByteLength(op, params);
    const want = inputByteLengths(op, params);
    if (operands.length !== want.length)
      throw new DnnShapeError(`${info.name}: wrong operand count`, {
        details: `got ${operands.length}, expected ${want.length} (${info.inputs.join(", ")})`,
      });
    const bound = operands.map((o, j) => {
      if (o instanceof Uint8Array) {
        if (o.length !== want[j])
          throw new DnnShapeError(`${info.name}: operand ${info.inputs[j]} has the wrong length`, {
            details: `got ${o.length} bytes, the shape needs ${want[j]}`,
          });
        return this.staged(j, o);
      }
      const b = this.weights[o.weight];
      if (!b || this.weightLengths[o.weight] !== want[j])
        throw new DnnShapeError(`${info.name}: operand ${info.inputs[j]} names a weight tensor that does not fit`, {
          details: `weight ${o.weight} of ${this.weights.length}, ${this.weightLengths[o.weight] ?? 0} bytes, the shape needs ${want[j]}`,
        });
      return b;
    });
    const p = new Int32Array(PARAM_WORDS);
    p.set(params);
    p[OUTPUT_BYTES_PARAM] = outLen;
    const uniform = this.staged(UNIFORM_SLOT, new Uint8Array(p.buffer));
    const outSize = Math.max(4, align4(outLen));
    const out = this.scratch(OUT_SLOT, outSize, STORAGE | COPY_SRC);
    const err = this.staged(ERR_SLOT, new Uint8Array(4));
    const read = this.scratch(READ_SLOT, outSize + 4, MAP_READ | COPY_DST);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    for (let b = 0; b < OPERAND_BINDINGS; b++)
      entries.push({ binding: b + 1, resource: { buffer: bound[b] ?? this.dummy } });
    entries.push({ binding: 6, resource: { buffer: out } }, { binding: 7, resource: { buffer: err } });
    const words = outSize / 4;
    const groups = Math.ceil(words / WORKGROUP);
    const x = Math.min(groups, MAX_GROUPS_X);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(await this.pipeline(op, info.name));
    pass.setBindGroup(0, this.device.createBindGroup({ layout: this.layout, entries }));
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, outSize);
    enc.copyBufferToBuffer(err, 0, read, outSize, 4);
    this.device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const bytes = new Uint8Array(read.getMappedRange().slice(0));
    read.unmap();
    const code = new DataView(bytes.buffer).getUint32(outSize, true);
    if (code !== 0)
      throw new DnnKernelTrapError(`${info.name}: the WebGPU kernel stopped`, {
        details: WEBGPU_TRAPS[code] ?? `error code ${code}`,
      });
    return bytes.slice(0, outLen);
  }

  destroy(): void {
    this.device.destroy();
  }

  /** The op's pipeline, compiled on first use; a shader Dawn refuses is a WebGpuError with its message. */
  private async pipeline(op: number, name: OpName): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(op);
    if (!p) {
      this.device.pushErrorScope("validation");
      const module = this.device.createShaderModule({ code: shaderSource(name) });
      p = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [this.layout] }),
        compute: { module, entryPoint: "main" },
      });
      const error = await this.device.popErrorScope();
      if (error) throw new WebGpuError(`${name}: the WebGPU shader does not compile`, { details: error.message });
      this.pipelines.set(op, p);
    }
    return p;
  }

  /**
   * Buffers are reused from node to node (slot: an operand's index, or the uniform, output, error
   * or read-back slot), each grown to the next power of two when too small: creating and destroying
   * buffers per node makes Dawn's OpenGL ES backend crash far more often.
   */
  private scratch(slot: number, size: number, usage: number): GPUBuffer {
    const have = this.slots[slot];
    if (have && have.size >= size) return have;
    const b = this.device.createBuffer({ size: 2 ** Math.ceil(Math.log2(Math.max(16, size))), usage });
    this.slots[slot] = b;
    return b;
  }
  /** The slot's buffer (a storage or uniform one) with `bytes` written at its start. */
  private staged(slot: number, bytes: Uint8Array): GPUBuffer {
    const usage = (slot === UNIFORM_SLOT ? UNIFORM : STORAGE | COPY_SRC) | COPY_DST;
    const b = this.scratch(slot, align4(bytes.length), usage);
    const padded =
      bytes.length % 4 === 0 ? bytes : Uint8Array.from({ length: align4(bytes.length) }, (_, i) => bytes[i] ?? 0);
    if (padded.length > 0) this.device.queue.writeBuffer(b, 0, padded);
    return b;
  }

  /** A buffer holding `bytes`, padded to whole words (at least one). */
  private buffer(bytes: Uint8Array, usage: number): GPUBuffer {
    const b = this.device.createBuffer({
      size: Math.max(4, align4(bytes.length)),
      usage: usage | COPY_DST,
      mappedAtCreation: true,
    });
    new Uint8Array(b.getMappedRange()).set(bytes);
    b.unmap();
    return b;
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
