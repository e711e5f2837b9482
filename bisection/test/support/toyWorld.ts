/**
 * Test support for whole-game simulations: a tiny deterministic VM and graph with honest and lying
 * parties. A state is (pc, status, acc, haltAt); a step from a running state halts when pc = haltAt,
 * else sets acc = H(acc ‖ pc) and pc += 1; halted and trapped states are fixed points. A state hash
 * has the status in its top byte (protocol.md §5). Node i starts from H("init" ‖ S_i ‖ i) with a run
 * length derived from it; S_{i+1} = H("exit" ‖ S_i ‖ i ‖ final acc).
 */
import { concat, keccak256, numberToHex, pad, stringToHex, type Hex } from "viem";
import {
  RefereeRevertError,
  VM_HALTED,
  VM_RUNNING,
  type RefereeBoundary,
  type RefereeStepVerifier,
} from "../../index.ts";

export interface ToyState {
  pc: number;
  status: number;
  acc: Hex;
  haltAt: number;
}

const word = (n: number): Hex => pad(numberToHex(n), { size: 32 });

export function hashState(s: ToyState): Hex {
  const h = keccak256(concat([word(s.pc), word(s.status), s.acc, word(s.haltAt)]));
  return `0x${s.status.toString(16).padStart(2, "0")}${h.slice(4)}`;
}

export function stepState(s: ToyState): ToyState {
  if (s.status !== VM_RUNNING) return { ...s };
  if (s.pc === s.haltAt) return { ...s, status: VM_HALTED };
  return { ...s, pc: s.pc + 1, acc: keccak256(concat([s.acc, word(s.pc)])) };
}

/** Node i's initial state; its run takes haltAt + 1 steps (1 … maxSteps). */
export function initialState(sI: Hex, node: number, maxSteps: number): ToyState {
  const acc = keccak256(concat([stringToHex("init", { size: 32 }), sI, word(node)]));
  return { pc: 0, status: VM_RUNNING, acc, haltAt: Number(BigInt(acc) % BigInt(maxSteps)) };
}

export function exitState(sI: Hex, node: number, acc: Hex): Hex {
  return keccak256(concat([stringToHex("exit", { size: 32 }), sI, word(node), acc]));
}

/** A lie: acc flipped in the state after `step` steps of node `node` (before it goes on running). */
export interface Lie {
  node: number;
  step: number;
}

/** One party's execution: its graph states and, per node, its VM run from its own S_i (shared, never mutated). */
export interface Execution {
  graph: Hex[];
  runs: ToyState[][];
}

const runCache = new Map<string, ToyState[]>();

/** Runs node `node` from `sI` to its final state, applying `lieStep` if given (t ≥ final flips the final state). */
export function runNode(sI: Hex, node: number, maxSteps: number, lieStep?: number): ToyState[] {
  const key = `${sI}:${node}:${maxSteps}:${lieStep}`;
  let run = runCache.get(key);
  if (!run) runCache.set(key, (run = computeRun(sI, node, maxSteps, lieStep)));
  return run;
}

function computeRun(sI: Hex, node: number, maxSteps: number, lieStep?: number): ToyState[] {
  let s = initialState(sI, node, maxSteps);
  const out: ToyState[] = [];
  for (;;) {
    if (lieStep === out.length) s = { ...s, acc: flip(s.acc) };
    out.push(s);
    if (s.status !== VM_RUNNING) break;
    s = stepState(s);
  }
  // A lie after the end: flip the final state (a party that lies only about where the run ends).
  if (lieStep !== undefined && lieStep >= out.length) out[out.length - 1] = { ...s, acc: flip(s.acc) };
  return out;
}

function flip(h: Hex): Hex {
  return `${h.slice(0, 65)}${(parseInt(h.slice(65), 16) ^ 1).toString(16)}` as Hex;
}

/** A graph of `n` nodes run honestly, or with one consistent lie that every later state inherits. */
export function execute(s0: Hex, n: number, maxSteps: number, lie?: Lie): Execution {
  const key = `${s0}:${n}:${maxSteps}:${lie?.node}:${lie?.step}`;
  let e = execCache.get(key);
  if (!e) execCache.set(key, (e = computeExecution(s0, n, maxSteps, lie)));
  return e;
}

const execCache = new Map<string, Execution>();

function computeExecution(s0: Hex, n: number, maxSteps: number, lie?: Lie): Execution {
  const graph: Hex[] = [s0];
  const runs: ToyState[][] = [];
  for (let i = 0; i < n; i++) {
    const run = runNode(graph[i]!, i, maxSteps, lie?.node === i ? lie.step : undefined);
    runs.push(run);
    graph.push(exitState(graph[i]!, i, run[run.length - 1]!.acc));
  }
  return { graph, runs };
}

/** The boundary as the contract would check it: initial state from S_i, exit from a halted final witness. */
export function toyBoundary(maxSteps: number): RefereeBoundary<null, ToyState | null> {
  return {
    initialStateHash: (node, sI) => hashState(initialState(sI, Number(node), maxSteps)),
    checkExit(node, sI, sNext, finalVmState, exitProof) {
      if (!exitProof || hashState(exitProof) !== finalVmState) throw new RefereeRevertError("ExitWitnessMismatch", "");
      if (exitProof.status !== VM_HALTED) throw new RefereeRevertError("ExitNotHalted", "");
      if (exitState(sI, Number(node), exitProof.acc) !== sNext) throw new RefereeRevertError("ExitStateMismatch", "");
    },
  };
}

export const toyStepVerifier: RefereeStepVerifier<ToyState, null> = {
  stateHash: hashState,
  step: (w) => hashState(stepState(w)),
};
