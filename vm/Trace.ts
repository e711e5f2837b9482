import { bytesEqual } from "../commitment/verify.ts";
import { OpmlError } from "../common/errors.ts";
import type { Program } from "./loader/loadProgram.ts";
import { CHUNK_SHIFT, Machine, type MachineOptions } from "./Machine.ts";
import { step } from "./step.ts";
import { encodeStepProof, type StepProof } from "./stepProof.ts";
import { encodeWitness, hashWitness, type Registers } from "./witness.ts";
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
    const m = Machine.create(this.program, this.opts);
    for (let c = 0; c < m.memDirty.length; c++) m.memDirty[c] &= 1; // the initial image is the base
    this.snapshots.length = 0;
    this.snapshots.push(this.take(m));
    while (m.status === STATUS_RUNNING && m.steps < maxSteps) {
      m.run(Math.min(this.interval - (m.steps % this.interval), maxSteps - m.steps));
      if (m.steps % this.interval === 0) this.snapshots.push(this.take(m));
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
      if ((m.memDirty[c] & 2) === 0) continue;
      m.memDirty[c] &= 1;
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

  /** A fresh machine in the state after `k` steps (the final state for k beyond the end). */
  machineAt(k: number): Machine {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`step must be a non-negative integer, got ${k}`);
    if (this.snapshots.length === 0) throw new VmInternalError("trace not recorded: call record() first");
    const j = Math.min(Math.floor(k / this.interval), this.snapshots.length - 1);
    const snap = this.snapshots[j];
    const m = Machine.create(this.program, this.opts);
    m.setPages(snap.regs.pages);
    const size = 1 << CHUNK_SHIFT;
    for (let i = 1; i <= j; i++)
      for (const [c, chunk] of this.snapshots[i].chunks) {
        m.mem.set(chunk, c * size);
        m.memDirty[c] = 3;
      }
    m.stack.set(snap.stack);
    m.frames.set(snap.frames);
    m.globals.set(snap.globals);
    m.globalsDirty = true;
    m.stackHigh = snap.stackHigh;
    m.framesHigh = snap.framesHigh;
    Object.assign(m, snap.regs);
    m.run(Math.min(k, this.finalSteps) - snap.steps);
    return m;
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
