import { bytesEqual } from "../commitment/verify.ts";
import { OpmlError } from "../common/errors.ts";
import type { Program } from "./loader/loadProgram.ts";
import { Machine, type MachineOptions } from "./Machine.ts";
import { CHUNK_SHIFT } from "./syncTree.ts";
import { step } from "./step.ts";
import { encodeStepProof, type StepProof } from "./stepProof.ts";
import { encodeWitness, hashWitness, type Registers } from "./witness.ts";
import { syncBytes } from "./syncTree.ts";
import { STATUS_RUNNING } from "./layout.ts";

/** The state after `steps` steps, stored as a diff against the previous snapshot. */
export interface Snapshot {
  steps: number;
  regs: Registers;
  stackHigh: number;
  framesHigh: number;
  stack: Int32Array;
  frames: Int32Array;
  globals: Int32Array;
  /** Linear-memory chunks (1 KiB) written since the previous snapshot: chunk index → content. */
  chunks: Map<number, Uint8Array>;
  /** Bytes this snapshot stores. */
  bytes: number;
}

export class VmInternalError extends OpmlError {
  override name = "VmInternalError";
}

/**
 * One node's VM run with snapshots every `interval` steps, so the state after any step k is
 * rebuilt from the nearest snapshot at or before k by re-running fewer than `interval` steps.
 */
export class Trace {
  readonly snapshots: Snapshot[] = [];
  /** Steps of the whole run (the machine is halted or trapped after them, or hit `maxSteps`). */
  finalSteps = 0;
  finalStateHash: Uint8Array = new Uint8Array(32);

  constructor(
    readonly program: Program,
    readonly opts: MachineOptions,
    readonly interval: number,
  ) {
    if (!Number.isInteger(interval) || interval < 1)
      throw new RangeError(`snapshot interval must be a positive integer, got ${interval}`);
  }

  /** Runs the node to its end (or `maxSteps`), taking a snapshot every `interval` steps. */
  record(maxSteps = Number.MAX_SAFE_INTEGER): Machine {
    const run = this.recording(Number.MAX_SAFE_INTEGER, maxSteps);
    let r = run.next();
    while (!r.done) r = run.next();
    return r.value;
  }

  /**
   * {@link record} in slices, for a caller that interleaves other work with a long run (a daemon
   * scheduling several nodes' runs by deadline): it pauses, yielding the steps run so far, after
   * each snapshot interval that ends at least `sliceSteps` steps after the previous pause, and
   * returns the final machine. The recorded trace is the same as {@link record}'s.
   */
  *recording(sliceSteps: number, maxSteps = Number.MAX_SAFE_INTEGER): Generator<number, Machine, void> {
    if (!(sliceSteps >= 1)) throw new RangeError(`slice must be at least one step, got ${sliceSteps}`);
    this.cursor = null;
    const m = Machine.create(this.program, this.opts);
    for (let c = 0; c < m.memDirty.length; c++) m.memDirty[c]! &= 1; // the initial image is the base
    this.snapshots.length = 0;
    this.snapshots.push(this.take(m));
    let paused = 0;
    while (m.status === STATUS_RUNNING && m.steps < maxSteps) {
      m.run(Math.min(this.interval - (m.steps % this.interval), maxSteps - m.steps));
      if (m.steps % this.interval === 0) this.snapshots.push(this.take(m));
      if (m.steps - paused >= sliceSteps && m.status === STATUS_RUNNING && m.steps < maxSteps) {
        paused = m.steps;
        yield m.steps;
      }
    }
    this.finalSteps = m.steps;
    this.finalStateHash = m.stateHash();
    return m;
  }

  /** Total bytes held by the snapshots. */
  get snapshotBytes(): number {
    return this.snapshots.reduce((n, s) => n + s.bytes, 0);
  }

  private take(m: Machine): Snapshot {
    const chunks = new Map<number, Uint8Array>();
    const size = 1 << CHUNK_SHIFT;
    let bytes = 0;
    for (let c = 0; c < m.memDirty.length; c++) {
      if ((m.memDirty[c]! & 2) === 0) continue;
      m.memDirty[c]! &= 1;
      const chunk = m.mem.slice(c * size, (c + 1) * size);
      chunks.set(c, chunk);
      bytes += chunk.length;
    }
    const stack = m.stack.slice(0, m.stackHigh * 2);
    const frames = m.frames.slice(0, m.framesHigh * 2);
    const globals = m.globals.slice();
    bytes += 4 * (stack.length + frames.length + globals.length) + 64;
    return {
      steps: m.steps,
      regs: m.registers(),
      stackHigh: m.stackHigh,
      framesHigh: m.framesHigh,
      stack,
      frames,
      globals,
      chunks,
      bytes,
    };
  }

  private cursor: Machine | null = null;
  /** Snapshot whose memory the cursor holds (plus the chunks flagged by bit 1 of memDirty). */
  private cursorSnap = 0;
  private initialMem = new Uint8Array(0);
  /** Chunk index → ascending snapshot indices whose diff contains it. */
  private versions = new Map<number, number[]>();

  /**
   * The machine in the state after `k` steps (the final state for k beyond the end). It is the
   * trace's cursor, valid until the next call: moving it restores only the chunks that differ
   * between the two snapshots, so its Merkle memory rehashes only changed leaves.
   */
  machineAt(k: number): Machine {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`step must be a non-negative integer, got ${k}`);
    if (this.snapshots.length === 0) throw new VmInternalError("trace not recorded: call record() first");
    const j = Math.min(Math.floor(k / this.interval), this.snapshots.length - 1);
    const snap = this.snapshots[j]!;
    const m = this.cursor ?? this.newCursor();
    const size = 1 << CHUNK_SHIFT;
    const tree = m.memoryTree(); // the tree now equals the typed arrays

    // Chunks that may differ between the cursor's memory and snapshot j's.
    const candidates = new Set<number>();
    const lo = Math.min(this.cursorSnap, j);
    const hi = Math.max(this.cursorSnap, j);
    for (const [c, vs] of this.versions) if (vs.some((v) => v > lo && v <= hi)) candidates.add(c);
    for (let c = 0; c < m.memDirty.length; c++) if (m.memDirty[c]! & 2) candidates.add(c);

    const newBytes = snap.regs.pages * 65536;
    const zeros = new Uint8Array(size);
    for (const c of candidates) if (c * size >= newBytes) syncBytes(tree, c * size, zeros);
    m.setPages(snap.regs.pages);
    for (const c of candidates) {
      if (c * size >= newBytes) continue;
      const want = this.chunkAt(c, j);
      const have = m.mem.subarray(c * size, (c + 1) * size);
      if (
        !Buffer.from(want.buffer, want.byteOffset, want.length).equals(
          Buffer.from(have.buffer, have.byteOffset, have.length),
        )
      ) {
        have.set(want);
        m.memDirty[c]! |= 1;
      }
    }
    for (let c = 0; c < m.memDirty.length; c++) m.memDirty[c]! &= 1;
    this.cursorSnap = j;

    // Stacks: snapshot j's used part; anything above it is zeroed (and still synced).
    m.stack.fill(0, snap.stack.length, m.stackHigh * 2);
    m.stack.set(snap.stack);
    m.frames.fill(0, snap.frames.length, m.framesHigh * 2);
    m.frames.set(snap.frames);
    m.stackHigh = Math.max(m.stackHigh, snap.stackHigh);
    m.framesHigh = Math.max(m.framesHigh, snap.framesHigh);
    m.globals.set(snap.globals);
    m.globalsDirty = true;
    Object.assign(m, snap.regs);
    m.trapReason = "";
    m.run(Math.min(k, this.finalSteps) - snap.steps);
    return m;
  }

  private newCursor(): Machine {
    const m = Machine.create(this.program, this.opts);
    this.initialMem = m.mem.slice();
    for (let c = 0; c < m.memDirty.length; c++) m.memDirty[c]! &= 1;
    this.versions.clear();
    this.snapshots.forEach((s, i) => {
      for (const c of s.chunks.keys()) {
        if (!this.versions.has(c)) this.versions.set(c, []);
        this.versions.get(c)!.push(i);
      }
    });
    this.cursor = m;
    this.cursorSnap = 0;
    return m;
  }

  /** Content of chunk `c` at snapshot `j`: its latest diff at or before j, else the initial image. */
  private chunkAt(c: number, j: number): Uint8Array {
    const size = 1 << CHUNK_SHIFT;
    const vs = this.versions.get(c) ?? [];
    for (let i = vs.length - 1; i >= 0; i--) {
      const v = vs[i]!;
      if (v <= j) return this.snapshots[v]!.chunks.get(c)!; // snapshot v's diff holds chunk c
    }
    const out = new Uint8Array(size);
    if (c * size < this.initialMem.length) out.set(this.initialMem.subarray(c * size, (c + 1) * size));
    return out;
  }

  stateHashAt(k: number): Uint8Array {
    return this.machineAt(k).stateHash();
  }

  /**
   * The one-step proof of step k (from the state after k steps to the state after k+1): the
   * pre-state witness and the ordered leaf proofs, checked against the fast interpreter.
   */
  prove(k: number): StepProof {
    return proveNext(this.machineAt(k));
  }
}

/**
 * Proves the next step of `m` with the reference step (pre-state witness, ordered leaf proofs,
 * post-state hash), then advances `m` by that step with the fast interpreter and checks that
 * both agree.
 */
export function proveNext(m: Machine): StepProof {
  const k = m.steps;
  const tree = m.memoryTree();
  const regs = m.registers();
  const preWitness = encodeWitness(regs, tree.root());
  const preStateHash = hashWitness(preWitness);
  const accesses = step(regs, tree, true);
  const postStateHash = hashWitness(encodeWitness(regs, tree.root()));
  m.run(1);
  if (!bytesEqual(m.stateHash(), postStateHash))
    throw new VmInternalError("reference step and fast interpreter disagree", {
      details: `at step ${k}, pc ${regs.pc}`,
    });
  return { step: k, preWitness, preStateHash, accesses, proof: encodeStepProof(accesses), postStateHash };
}
