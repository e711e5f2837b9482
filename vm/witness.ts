import { domainTag, hashWithDomain } from "../commitment/hash.ts";
import { OpmlError } from "../common/errors.ts";
import { VmUsageError } from "./errors.ts";
import {
  STATE_TAG,
  W_DEPTH,
  W_FP,
  W_MAX_PAGES,
  W_MEM_ROOT,
  W_PAGES,
  W_PC,
  W_SP,
  W_STATUS,
  W_STEPS,
  W_STEP_LIMIT,
  W_TABLE_SIZE,
  WITNESS_BYTES,
} from "./layout.ts";

/** The VM registers: everything in the state witness except the memory root. */
export interface Registers {
  pc: number;
  sp: number;
  fp: number;
  depth: number;
  pages: number;
  maxPages: number;
  tableSize: number;
  steps: number;
  stepLimit: number;
  status: number;
}

export class WitnessError extends OpmlError {
  override name = "WitnessError";
}

const TAG = domainTag(STATE_TAG);

function putU32(b: Uint8Array, off: number, v: number) {
  new DataView(b.buffer, b.byteOffset).setUint32(off, v >>> 0, false);
}
/** The u64 registers (steps, stepLimit) and step counts: throws VmUsageError unless `v` is an integer in [0, 2^64) (a u64 register of the witness). */
export function checkStepCount(v: number, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= 2 ** 64)
    throw new VmUsageError(`${what} must be an integer in [0, 2^64)`, { details: `got ${String(v)}` });
  return v;
}

function putU64(b: Uint8Array, off: number, v: number) {
  new DataView(b.buffer, b.byteOffset).setBigUint64(off, BigInt(v), false);
}

/** The packed, big-endian state witness (docs/protocol.md §5.2). */
export function encodeWitness(r: Registers, memRoot: Uint8Array): Uint8Array {
  const b = new Uint8Array(WITNESS_BYTES);
  b.set(memRoot, W_MEM_ROOT);
  putU32(b, W_PC, r.pc);
  putU32(b, W_SP, r.sp);
  putU32(b, W_FP, r.fp);
  putU32(b, W_DEPTH, r.depth);
  putU32(b, W_PAGES, r.pages);
  putU32(b, W_MAX_PAGES, r.maxPages);
  putU32(b, W_TABLE_SIZE, r.tableSize);
  putU64(b, W_STEPS, checkStepCount(r.steps, "steps"));
  putU64(b, W_STEP_LIMIT, checkStepCount(r.stepLimit, "stepLimit"));
  b[W_STATUS] = r.status;
  return b;
}

export function decodeWitness(b: Uint8Array): { regs: Registers; memRoot: Uint8Array } {
  if (b.length !== WITNESS_BYTES)
    throw new WitnessError("state witness has the wrong length", {
      details: `expected ${WITNESS_BYTES} bytes, got ${b.length}`,
    });
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const regs: Registers = {
    pc: v.getUint32(W_PC),
    sp: v.getUint32(W_SP),
    fp: v.getUint32(W_FP),
    depth: v.getUint32(W_DEPTH),
    pages: v.getUint32(W_PAGES),
    maxPages: v.getUint32(W_MAX_PAGES),
    tableSize: v.getUint32(W_TABLE_SIZE),
    steps: Number(v.getBigUint64(W_STEPS)),
    stepLimit: Number(v.getBigUint64(W_STEP_LIMIT)),
    status: v.getUint8(W_STATUS),
  };
  if (regs.status > 2)
    throw new WitnessError("state witness has an unknown status", { details: `status ${regs.status}` });
  return { regs, memRoot: b.slice(W_MEM_ROOT, W_MEM_ROOT + 32) };
}

/** stateHash = status in the top byte, then the low 31 bytes of H("opml.vm.state.v1" ‖ witness). */
export function hashWitness(witness: Uint8Array): Uint8Array {
  if (witness.length !== WITNESS_BYTES)
    throw new WitnessError("state witness has the wrong length", {
      details: `expected ${WITNESS_BYTES} bytes, got ${witness.length}`,
    });
  const h = hashWithDomain(TAG, witness);
  h[0] = witness[W_STATUS]!;
  return h;
}
