/**
 * The phase-2 node input (docs/protocol.md, "Phase-2 node input"): the node
 * descriptor at DESC_ADDR and each operand, the output and the scratch region
 * at addresses aligned to their tensor-tree size, so that each one's memory
 * subtree root is its tensor root.
 */
import { namedParams, opInfo, opParams, outputByteLength } from "./ops.ts";
import { DnnShapeError } from "./errors.ts";
import { tensorDepth } from "../../commitment/tensorRoot.ts";

export const DESC_ADDR = 0x10000;
export const DESC_SIZE = 256;
export const DESC_VERSION = 1;
export const MAX_INPUTS = 6;
export const MAX_PARAMS = 28;
/** Descriptor byte offsets (docs/protocol.md, "Phase-2 node input"). */
export const DESC_INPUTS = 16;
export const DESC_INPUT_STRIDE = 16;
export const DESC_OUTPUT = 112;
export const DESC_SCRATCH = 128;
export const DESC_PARAMS = 144;
/** Where an operand's tensor root comes from when the contract builds the initial state. */
export const SlotKind = { activation: 0, weight: 1 } as const;
/** The output kind of a node that writes one block of a cache slot (docs/protocol.md §6.2). */
export const OUTPUT_REGION = 2;

export interface OperandSlot {
  kind: (typeof SlotKind)[keyof typeof SlotKind];
  /** Slot index in S_i (activation) or weightsRoot (weight). */
  slot: number;
}
/** The first operand block starts here; everything below belongs to the module and the descriptor. */
export const OPERANDS_BASE = 0x20000;
export const PAGE_SIZE = 0x10000;
/** Linear memory is 32-bit: a node whose layout ends past 4 GiB cannot run in the VM. */
export const MAX_MEMORY = 2 ** 32;

export interface NodeSpec {
  op: number;
  inputs: readonly Uint8Array[];
  params: readonly number[];
  /** The slot each input is read from; the graph compiler fills it (kernel-only tests leave it out: all zero). */
  inputSlots?: readonly OperandSlot[];
  /** The activation slot the output is written to. */
  outputSlot?: number;
  /** The output is the block at `offset` of the `total`-byte cache in `outputSlot`. */
  outputRegion?: { offset: number; total: number };
}

export interface Region {
  addr: number;
  byteLength: number;
}

export interface NodeImage {
  /** Linear memory size in 64 KiB pages. */
  pages: number;
  descriptor: Uint8Array;
  inputs: (Region & { bytes: Uint8Array })[];
  output: Region;
  scratch: Region;
}

/** 32 · 2^tensorDepth(n): the size of the tensor tree's span, hence the operand's alignment. */
export function blockSize(byteLength: number): number {
  return 32 * 2 ** tensorDepth(byteLength);
}

/**
 * Scratch bytes an op needs (zeroed, after the output): attention and attnCache keep one row of
 * scores and probabilities, 2·Tmax bytes.
 */
export function scratchByteLength(op: number, params: readonly number[]): number {
  const { name, p } = opParams(op, params);
  return name === "attention" || name === "attnCache" ? 2 * p.Tmax : 0;
}

export interface NodeLayout {
  pages: number;
  descriptor: Uint8Array;
  inputs: Region[];
  output: Region;
  scratch: Region;
}

/** The descriptor bytes for a node whose operand, output and scratch regions are already placed. */
export function encodeDescriptor(d: {
  op: number;
  params: readonly number[];
  inputs: readonly Region[];
  output: Region;
  scratch: Region;
  inputSlots?: readonly OperandSlot[];
  outputSlot?: number;
  outputRegion?: { offset: number; total: number };
}): Uint8Array {
  const descriptor = new Uint8Array(DESC_SIZE);
  const dv = new DataView(descriptor.buffer);
  dv.setUint32(0, DESC_VERSION, true);
  dv.setUint32(4, d.op, true);
  dv.setUint32(8, d.inputs.length, true);
  dv.setUint32(12, d.params.length, true);
  d.inputs.forEach((r, j) => {
    const at = DESC_INPUTS + DESC_INPUT_STRIDE * j;
    const slot = d.inputSlots?.[j] ?? { kind: SlotKind.activation, slot: 0 };
    dv.setUint32(at, r.addr, true);
    dv.setUint32(at + 4, r.byteLength, true);
    dv.setUint32(at + 8, slot.kind, true);
    dv.setUint32(at + 12, slot.slot, true);
  });
  dv.setUint32(DESC_OUTPUT, d.output.addr, true);
  dv.setUint32(DESC_OUTPUT + 4, d.output.byteLength, true);
  dv.setUint32(DESC_OUTPUT + 8, d.outputRegion ? OUTPUT_REGION : SlotKind.activation, true);
  dv.setUint32(DESC_OUTPUT + 12, d.outputSlot ?? 0, true);
  dv.setUint32(DESC_SCRATCH, d.scratch.addr, true);
  dv.setUint32(DESC_SCRATCH + 4, d.scratch.byteLength, true);
  if (d.outputRegion) {
    dv.setUint32(DESC_SCRATCH + 8, d.outputRegion.offset, true);
    dv.setUint32(DESC_SCRATCH + 12, d.outputRegion.total, true);
  }
  d.params.forEach((v, i) => dv.setInt32(DESC_PARAMS + 4 * i, v, true));
  return descriptor;
}

/** The descriptor and the regions of a node from its operand lengths alone (what graphRoot commits). */
export function layoutNode(node: Omit<NodeSpec, "inputs"> & { inputLengths: readonly number[] }): NodeLayout {
  const info = opInfo(node.op);
  if (node.inputLengths.length !== info.inputs.length)
    throw new DnnShapeError(`${info.name}: wrong operand count`, {
      details: `got ${node.inputLengths.length}, expected ${info.inputs.length} (${info.inputs.join(", ")})`,
    });
  namedParams(node.op, node.params);
  if (node.inputLengths.length > MAX_INPUTS || node.params.length > MAX_PARAMS)
    throw new DnnShapeError(`${info.name}: too many operands or parameters for the descriptor`, {
      details: `${node.inputLengths.length} operands (max ${MAX_INPUTS}), ${node.params.length} params (max ${MAX_PARAMS})`,
    });
  if (node.inputSlots !== undefined && node.inputSlots.length !== node.inputLengths.length)
    throw new DnnShapeError(`${info.name}: one slot per operand`, {
      details: `${node.inputSlots.length} slots for ${node.inputLengths.length} operands`,
    });
  let cursor = OPERANDS_BASE;
  const place = (n: number): number => {
    const size = blockSize(n);
    const addr = Math.ceil(cursor / size) * size;
    cursor = addr + size;
    return addr;
  };
  const inputs = node.inputLengths.map((n) => ({ addr: place(n), byteLength: n }));
  const outLen = outputByteLength(node.op, node.params);
  const output = { addr: place(outLen), byteLength: outLen };
  const scratchLen = scratchByteLength(node.op, node.params);
  const scratch = scratchLen > 0 ? { addr: place(scratchLen), byteLength: scratchLen } : { addr: 0, byteLength: 0 };
  if (cursor > MAX_MEMORY)
    throw new DnnShapeError(`${info.name}: node does not fit a 4 GiB linear memory`, {
      details: `needs ${cursor} bytes`,
    });

  const descriptor = encodeDescriptor({ ...node, inputs, output, scratch });
  return { pages: Math.ceil(cursor / PAGE_SIZE), descriptor, inputs, output, scratch };
}

export function buildNodeInput(node: NodeSpec): NodeImage {
  const layout = layoutNode({ ...node, inputLengths: node.inputs.map((b) => b.length) });
  // layoutNode placed one region per operand, in order.
  return { ...layout, inputs: layout.inputs.map((r, j) => ({ ...r, bytes: node.inputs[j]! })) };
}

/** The node input as (address, bytes) segments to write into a zeroed linear memory of `pages` pages. */
export function nodeSegments(image: NodeImage): { addr: number; bytes: Uint8Array }[] {
  return [{ addr: DESC_ADDR, bytes: image.descriptor }, ...image.inputs.map((r) => ({ addr: r.addr, bytes: r.bytes }))];
}

/** Writes the node input into `mem` and zeroes the output and scratch regions. */
export function writeNodeInput(image: NodeImage, mem: Uint8Array): void {
  if (mem.length < image.pages * PAGE_SIZE)
    throw new DnnShapeError("linear memory too small for the node input", {
      details: `${mem.length} bytes, the node needs ${image.pages} pages`,
    });
  for (const s of nodeSegments(image)) mem.set(s.bytes, s.addr);
  mem.fill(0, image.output.addr, image.output.addr + image.output.byteLength);
  mem.fill(0, image.scratch.addr, image.scratch.addr + image.scratch.byteLength);
}

/** The output tensor's bytes after `run()` returned. */
export function extractOutput(image: NodeImage, mem: Uint8Array): Uint8Array {
  return mem.slice(image.output.addr, image.output.addr + image.output.byteLength);
}
