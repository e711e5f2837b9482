/**
 * A node's VM trace (vm/Trace.ts: its snapshots every `interval` steps, the final step count and
 * state hash) as bytes for the data directory, and back. The machine options (program, node input
 * writes) are not stored: the caller rebuilds them from the content key, and {@link decodeTrace}
 * checks the restored trace against the stored final state by re-running from the last snapshot.
 */
import { bytesToHex } from "viem";
import { Trace, type MachineOptions, type Program, type Registers, type Snapshot } from "../vm/index.ts";
import { CacheContentError } from "./dataDir.ts";

const REG_NAMES = [
  "pc",
  "sp",
  "fp",
  "depth",
  "pages",
  "maxPages",
  "tableSize",
  "steps",
  "stepLimit",
  "status",
] as const satisfies readonly (keyof Registers)[];

class Writer {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  f64(v: number) {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u32(v: number) {
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  bytes(b: Uint8Array) {
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  i32s(a: Int32Array) {
    this.bytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class Reader {
  private off = 0;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private need(n: number) {
    if (this.off + n > this.b.length) throw new CacheContentError("VM trace file ends early");
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.off, true);
    this.off += 8;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.off, true);
    this.off += 4;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = this.b.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }
  i32s(): Int32Array {
    const b = this.bytes();
    if (b.length % 4) throw new CacheContentError("VM trace: an int32 array of odd length");
    return new Int32Array(b.buffer, b.byteOffset, b.length / 4);
  }
  end() {
    if (this.off !== this.b.length) throw new CacheContentError("VM trace file has trailing bytes");
  }
}

export function encodeTrace(trace: Trace): Uint8Array {
  const w = new Writer();
  w.u32(trace.interval);
  w.f64(trace.finalSteps);
  w.bytes(trace.finalStateHash);
  w.u32(trace.snapshots.length);
  for (const s of trace.snapshots) {
    w.f64(s.steps);
    for (const r of REG_NAMES) w.f64(s.regs[r]);
    w.u32(s.stackHigh);
    w.u32(s.framesHigh);
    w.i32s(s.stack);
    w.i32s(s.frames);
    w.i32s(s.globals);
    w.u32(s.chunks.size);
    for (const [c, bytes] of s.chunks) {
      w.u32(c);
      w.bytes(bytes);
    }
    w.f64(s.bytes);
  }
  return w.done();
}

/**
 * The trace of `bytes` over `program` and `options` (which must be the recorded run's). Throws
 * {@link CacheContentError} when the bytes are malformed or the restored trace does not reach the
 * stored final state.
 */
export function decodeTrace(bytes: Uint8Array, program: Program, options: MachineOptions): Trace {
  const r = new Reader(bytes);
  const interval = r.u32();
  if (interval < 1) throw new CacheContentError("VM trace: snapshot interval 0");
  const trace = new Trace(program, options, interval);
  trace.finalSteps = r.f64();
  trace.finalStateHash = r.bytes();
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const steps = r.f64();
    const regs = {} as Registers;
    for (const name of REG_NAMES) regs[name] = r.f64();
    const stackHigh = r.u32();
    const framesHigh = r.u32();
    const stack = r.i32s();
    const frames = r.i32s();
    const globals = r.i32s();
    const chunks = new Map<number, Uint8Array>();
    for (let n = r.u32(); n > 0; n--) {
      const c = r.u32();
      chunks.set(c, r.bytes());
    }
    const snap: Snapshot = { steps, regs, stackHigh, framesHigh, stack, frames, globals, chunks, bytes: r.f64() };
    if (steps !== i * interval) throw new CacheContentError(`VM trace: snapshot ${i} is at step ${steps}`);
    trace.snapshots.push(snap);
  }
  r.end();
  if (count === 0 || trace.finalSteps < (count - 1) * interval) {
    throw new CacheContentError("VM trace: snapshots do not cover the run");
  }
  const got = bytesToHex(trace.stateHashAt(trace.finalSteps));
  if (got !== bytesToHex(trace.finalStateHash)) {
    throw new CacheContentError("VM trace does not reach its stored final state", {
      details: `re-run gives ${got}, stored ${bytesToHex(trace.finalStateHash)}`,
    });
  }
  return trace;
}
