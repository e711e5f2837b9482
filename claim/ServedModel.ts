/**
 * What a submitter posts for a request: the native runner's output, S_N and the output slot's
 * proof under S_N, plus S_0 … S_N (kept for defending the claim's games at level 1).
 */
import { bytesToHex, encodePacked, keccak256, type Hex } from "viem";
import { SlotTree } from "../commitment/slotTree.ts";
import { compileModel, type CompiledModel } from "../phase/compileModel.ts";
import { programRoot } from "../phase/programRoot.ts";
import { readModelFile } from "../dnn-lib/src/model/ModelFileReader.ts";
import { cacheOfSlot } from "../dnn-lib/src/model/Model.ts";
import { GraphState } from "../dnn-lib/src/model/GraphState.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { checkInputTokens } from "../dnn-lib/src/model/inputTokenBound.ts";
import { WebGpuBackend } from "../dnn-lib/src/runner/WebGpuBackend.ts";
import { runModel, type ModelRun } from "../dnn-lib/src/runner/runModel.ts";
import { OpmlError } from "../common/errors.ts";
import { DESC_ADDR, SlotKind } from "../dnn-lib/src/nodeInput.ts";
import { kernelProgram } from "../phase/runInVm.ts";
import { encodeExitProof, encodePhaseProof, exitProof, initialMachine, phaseProof } from "../phase/phase2.ts";
import { proveNext, Trace, type MachineOptions, type Program } from "../vm/index.ts";
import { vmRunFromSnapshots, vmTrace, type TraceProvider, type VmRun } from "../bisection/index.ts";

export interface ComputedClaim {
  output: Hex;
  /** S_N. */
  finalState: Hex;
  /** S_0 … S_N. */
  states: Hex[];
  /** The SLOT_DEPTH siblings of the output slot under S_N, bottom-up. */
  outputSlotProof: Hex[];
  /** Activation slots 0 … N as claimed (0 = input). */
  activations: Uint8Array[];
}

/** What `openPhase2` takes for one node (docs/protocol.md §6). */
export interface Phase2Opening {
  model: { programRoot: Hex; graphRoot: Hex; weightsRoot: Hex; nodeCount: number };
  finalVmState: Hex;
  phaseProof: Hex;
  exitProof: Hex;
  /** The S_{i+1} the halted run's output gives: must be the game's disputed state. */
  nextState: Hex;
  steps: number;
}

export class ClaimComputationError extends OpmlError {
  override name = "ClaimComputationError";
}

/** One node's VM run as level-2 truth: the trace provider and the final step's arguments. */
export interface NodeVmTruth {
  provider: TraceProvider;
  /** The witness of the state after `preStep` steps and the proof of the next step. */
  stepArgs(preStep: bigint): { witness: Hex; proof: Hex; preStateHash: Hex };
}

/** Steps between two snapshots of a node's VM trace: the most a level-2 answer re-runs. */
export const SNAPSHOT_INTERVAL = 256;

/** Level-2 truth over a recorded (or restored) VM trace of one node. */
export function truthFromTrace(trace: Trace, stepDepth: bigint): NodeVmTruth {
  return {
    provider: vmTrace(vmRunFromSnapshots(trace), stepDepth),
    stepArgs(preStep: bigint) {
      const p = proveNext(trace.machineAt(Number(preStep)));
      return {
        witness: bytesToHex(p.preWitness),
        proof: bytesToHex(p.proof),
        preStateHash: bytesToHex(p.preStateHash),
      };
    },
  };
}

/** Which phase-1 runner computes claims: the native SIMD kernels, or the same kernels in WGSL on a GPU. */
export type RunnerBackend = "native" | "webgpu";
export const RUNNER_BACKENDS: readonly RunnerBackend[] = ["native", "webgpu"];

/** A model ready to run: compiled, with its phase-1 runner (the same bits on either backend). */
export class ServedModel {
  private constructor(
    readonly compiled: CompiledModel,
    private readonly runner: { run(input: Uint8Array): ModelRun },
  ) {}

  /**
   * The model in the compiled file at `path`. On the native backend its weights go from the file
   * straight into the runner's memory, held once there (NativeRunner.fromFile): a model past 4 GiB.
   * For a model in one kernel instance, onnxruntime's packed copy of its large matmuls' weights
   * (up to NativeRunner's maxGemmBytes, 2 GiB) is held beside them.
   */
  static async fromFile(path: string, backend: RunnerBackend = "native"): Promise<ServedModel> {
    if (backend !== "native") return ServedModel.create(await compileModel(await readModelFile(path)), backend);
    const { runner, compiled } = await NativeRunner.fromFile(path);
    return new ServedModel(
      { ...compiled, commitment: { programRoot: await programRoot(), ...compiled.commitment } },
      runner,
    );
  }

  static async create(compiled: CompiledModel, backend: RunnerBackend = "native"): Promise<ServedModel> {
    if (backend === "native") return new ServedModel(compiled, await NativeRunner.create(compiled));
    const gpu = await WebGpuBackend.create(compiled.model.weights);
    return new ServedModel(compiled, { run: (input) => runModel(compiled, input, gpu) });
  }

  /**
   * Runs the model on `input` and builds the claim. Throws the runner's ModelInputError on a wrong
   * size, InputTokenOutOfRangeError (before running) on a token id outside the model's input token
   * bound, and the runner's DnnKernelTrapError on any other input a kernel traps on. `lieAtNode`
   * (tests and the demo only) flips one bit of node i's output: S_{i+1} … S_N then differ from the
   * truth; the model's output has the same bit flipped (when node i is not the last one, it is
   * flipped too), so the claimed output is always wrong, and the first node whose claimed
   * transition is wrong is node i.
   */
  claim(input: Uint8Array, opts: { lieAtNode?: number } = {}): ComputedClaim {
    checkInputTokens(input, this.compiled.commitment.inputTokenBound);
    const run = this.runner.run(input);
    const activations = run.activations.map((a) => a.slice());
    const lie = opts.lieAtNode;
    if (lie !== undefined) {
      if (!Number.isInteger(lie) || lie < 0 || lie >= activations.length - 1) {
        throw new ClaimComputationError(`lieAtNode ${lie} is not a node of the model`);
      }
      activations[lie + 1]![0]! ^= 1;
      if (lie + 1 < activations.length - 1) activations[activations.length - 1]![0]! ^= 1;
    }
    const tree = new GraphState(this.compiled.model, activations[0]!);
    const states: Hex[] = [bytesToHex(tree.root())];
    for (let i = 1; i < activations.length; i++) {
      tree.write(i - 1, activations[i]!);
      states.push(bytesToHex(tree.root()));
    }
    if (lie === undefined) {
      const honest = run.states.map((s) => bytesToHex(s));
      if (honest.some((s, i) => s !== states[i])) {
        throw new ClaimComputationError("the rebuilt slot tree does not give the runner's states");
      }
    }
    const outputSlot = this.compiled.commitment.outputSlot;
    return {
      output: bytesToHex(activations[activations.length - 1]!),
      finalState: states[states.length - 1]!,
      states,
      outputSlotProof: tree.slots.prove(outputSlot).map((s) => bytesToHex(s)),
      activations,
    };
  }

  /** Content key of the model: its commitment (program, graph, weights, node count, slots). */
  get key(): Hex {
    const c = this.compiled.commitment;
    return keccak256(
      encodePacked(
        ["bytes32", "bytes32", "bytes32", "uint32", "uint32", "uint32", "uint32", "uint32"],
        [
          bytesToHex(c.programRoot),
          bytesToHex(c.graphRoot),
          bytesToHex(c.weightsRoot),
          c.nodeCount,
          c.inputSlot,
          c.inputLength,
          c.outputSlot,
          c.outputLength,
        ],
      ),
    );
  }

  /**
   * Node `node`'s VM machine from the claim's activations: the same initial machine the phase
   * boundary builds (descriptor and operands written into the kernel program's memory).
   */
  async nodeMachine(
    claim: ComputedClaim,
    node: number,
  ): Promise<{ program: Program; options: MachineOptions; operands: Uint8Array[] }> {
    const { compiled } = this;
    const n = compiled.model.nodes[node];
    if (!n) throw new ClaimComputationError(`node ${node} is not in the model`);
    const layout = compiled.layouts[node]!;
    const operands = this.operandsAt(claim, node);
    const writes = [
      { address: DESC_ADDR, bytes: layout.descriptor },
      ...layout.inputs.map((r, j) => ({ address: r.addr, bytes: operands[j]! })),
    ];
    return { program: await kernelProgram(), options: { entry: "run", memoryPages: layout.pages, writes }, operands };
  }

  /**
   * Node `node`'s VM run (from the claim's activations, the same initial machine the phase
   * boundary builds) recorded with snapshots, as level-2 truth over `[0, 2^stepDepth]`.
   */
  async nodeVm(claim: ComputedClaim, node: number, stepDepth: bigint): Promise<NodeVmTruth> {
    const { program, options } = await this.nodeMachine(claim, node);
    const trace = new Trace(program, options, SNAPSHOT_INTERVAL);
    trace.record();
    return truthFromTrace(trace, stepDepth);
  }

  /**
   * Tests and the demo only: a liar's VM run of node `node` that is honest up to its last step,
   * where byte 0 of the node's output is flipped in memory (what `lieAtNode` claims), so the run
   * halts with the lie. Its phase-2 opening is valid; it is wrong at exactly one VM step.
   */
  async tamperedVm(
    claim: ComputedClaim,
    node: number,
    stepDepth: bigint,
  ): Promise<NodeVmTruth & { opening: Phase2Opening }> {
    const { compiled } = this;
    const layout = compiled.layouts[node]!;
    const program = await kernelProgram();
    // The honest operands: the lie is inside node `node`, its inputs are true.
    const operands = this.operandsAt(claim, node);
    const honest = initialMachine(program, layout, operands);
    const total = honest.run();
    const tamperAt = total - 1;
    const machineAt = (k: number) => {
      const m = initialMachine(program, layout, operands);
      m.run(Math.min(k, tamperAt));
      if (k >= tamperAt) {
        const b = m.readMemory(layout.output.addr, 1);
        m.writeMemory(layout.output.addr, Uint8Array.of(b[0]! ^ 1));
        m.run(k - tamperAt);
      }
      return m;
    };
    const run: VmRun = {
      finalStep: BigInt(total),
      stateHashAt: async (k) => bytesToHex(machineAt(Number(k)).stateHash()),
    };
    const trees = this.phase2Trees(claim, node);
    const final = machineAt(total);
    const exit = exitProof(final, trees, node, layout);
    return {
      provider: vmTrace(run, stepDepth),
      stepArgs(preStep: bigint) {
        const p = proveNext(machineAt(Number(preStep)));
        return {
          witness: bytesToHex(p.preWitness),
          proof: bytesToHex(p.proof),
          preStateHash: bytesToHex(p.preStateHash),
        };
      },
      opening: {
        model: this.commitmentArgs,
        finalVmState: bytesToHex(final.stateHash()),
        phaseProof: encodePhaseProof(phaseProof(program, trees, node, layout, operands)),
        exitProof: encodeExitProof(exit.proof),
        nextState: bytesToHex(exit.nextState),
        steps: total,
      },
    };
  }

  /** The graph, weights and state trees the phase boundary proves against, with S_node's slots from the claim. */
  private phase2Trees(claim: ComputedClaim, node: number) {
    const { compiled } = this;
    const graph = new SlotTree();
    compiled.layouts.forEach((l, i) => graph.setSlot(i, l.descriptor));
    const weights = new SlotTree();
    compiled.model.weights.forEach((w, k) => weights.setSlot(k, w));
    return { graph, weights, state: this.stateAt(claim, node) };
  }

  /** S_node, with its caches, replayed from the claim's node outputs. */
  private stateAt(claim: ComputedClaim, node: number): GraphState {
    const state = new GraphState(this.compiled.model, claim.activations[0]!);
    for (let k = 0; k < node; k++) state.write(k, claim.activations[k + 1]!);
    return state;
  }

  /** Node `node`'s operand bytes as the claim has them before it runs (a cache as it is then). */
  private operandsAt(claim: ComputedClaim, node: number): Uint8Array[] {
    const { model } = this.compiled;
    const n = model.nodes[node]!;
    const reads = n.inputs.some((s) => s.kind !== SlotKind.weight && cacheOfSlot(model, s.slot) !== undefined);
    // Replaying the state costs the nodes before; only a node that reads a cache needs it.
    const state = reads ? this.stateAt(claim, node) : new GraphState(model, claim.activations[0]!);
    return state.operands(n, claim.activations, model.weights);
  }

  private get commitmentArgs(): Phase2Opening["model"] {
    const c = this.compiled.commitment;
    return {
      programRoot: bytesToHex(c.programRoot),
      graphRoot: bytesToHex(c.graphRoot),
      weightsRoot: bytesToHex(c.weightsRoot),
      nodeCount: c.nodeCount,
    };
  }

  /**
   * The phase-2 opening of node `node` from its recorded VM trace (nodeTraces' or {@link nodeVm}'s):
   * the final machine is the trace's, so the node is not run a second time. Throws
   * {@link ClaimComputationError} when the run traps or its output does not give the claim's
   * S_{node+1} (a wrong claim cannot be opened).
   */
  async phase2FromTrace(claim: ComputedClaim, node: number, trace: Trace): Promise<Phase2Opening> {
    const { program, operands } = await this.nodeMachine(claim, node);
    const layout = this.compiled.layouts[node]!;
    const trees = this.phase2Trees(claim, node);
    const final = trace.machineAt(trace.finalSteps);
    if (!final.halted) throw new ClaimComputationError(`node ${node} traps in the VM`);
    const exit = exitProof(final, trees, node, layout);
    const nextState = bytesToHex(exit.nextState);
    if (nextState !== claim.states[node + 1]) {
      throw new ClaimComputationError(`the VM run of node ${node} does not give the claimed S_${node + 1}`, {
        details: `VM gives ${nextState}, the claim has ${claim.states[node + 1]}`,
      });
    }
    return {
      model: this.commitmentArgs,
      finalVmState: bytesToHex(final.stateHash()),
      phaseProof: encodePhaseProof(phaseProof(program, trees, node, layout, operands)),
      exitProof: encodeExitProof(exit.proof),
      nextState,
      steps: trace.finalSteps,
    };
  }
}
