/**
 * The phase boundary on the VM side (docs/protocol.md §6): node i's initial machine (the kernel
 * library's program image with the node input written over it), its run to halt, and the two
 * proofs the contract (contracts/src/phase/PhaseBoundary.sol) checks — `phaseProof` when it builds
 * the initial state hash, `exitProof` when it checks the final state against the disputed S_{i+1}.
 * Both are ABI-encoded structs, in the order of §6.4 / §6.5.
 */
import { encodeAbiParameters, toHex, type Hex } from "viem";
import { HEADER_ADDR, LEAF_BYTES, Machine, type Program } from "../vm/index.ts";
import type { SparseMerkleTree } from "../commitment/SparseMerkleTree.ts";
import { tensorDepth, tensorRoot } from "../commitment/tensorRoot.ts";
import { slotLeaf, SlotTree } from "../commitment/slotTree.ts";
import { rootFromLeaf, rootFromSubtree } from "../commitment/verify.ts";
import { OpmlError } from "../common/errors.ts";
import { DESC_ADDR, DESC_OUTPUT, DESC_SCRATCH, OUTPUT_REGION, type NodeLayout } from "../dnn-lib/src/nodeInput.ts";
import { GraphState } from "../dnn-lib/src/model/GraphState.ts";

/** Linear memory `[0, 2^32)` is the memory subtree of height 27 at index 0. */
export const LINEAR_HEIGHT = 27;
/** The image's static data `[0, DESC_ADDR)`: the memory subtree of height 11 at index 0. */
export const STATIC_HEIGHT = 11;

export class Phase2Error extends OpmlError {
  override name = "Phase2Error";
}

/** The proof `PhaseBoundary.initialStateHash` reads (docs/protocol.md §6.4). */
export interface PhaseProof {
  descriptor: Uint8Array;
  descriptorProof: Uint8Array[];
  header: Uint8Array;
  headerProof: Uint8Array[];
  staticRoot: Uint8Array;
  linearProof: Uint8Array[];
  operandRoots: Uint8Array[];
  operandProofs: Uint8Array[][];
}

/** The proof `PhaseBoundary.checkExit` reads (docs/protocol.md §6.5). */
export interface ExitProof {
  witness: Uint8Array;
  descriptor: Uint8Array;
  descriptorProof: Uint8Array[];
  outputRoot: Uint8Array;
  outputProof: Uint8Array[];
  slotProof: Uint8Array[];
  /**
   * A node that writes one block of a cache (output kind 2): whether the cache slot was empty, its
   * tensor root and the block's root before the write, and the block's siblings up to that root.
   * Zero and empty for a node that writes its own slot.
   */
  priorEmpty: boolean;
  priorRoot: Uint8Array;
  priorBlockRoot: Uint8Array;
  regionProof: Uint8Array[];
}

export const PHASE_PROOF_ABI = [
  {
    type: "tuple",
    components: [
      { name: "descriptor", type: "bytes" },
      { name: "descriptorProof", type: "bytes32[]" },
      { name: "header", type: "bytes32" },
      { name: "headerProof", type: "bytes32[]" },
      { name: "staticRoot", type: "bytes32" },
      { name: "linearProof", type: "bytes32[]" },
      { name: "operandRoots", type: "bytes32[]" },
      { name: "operandProofs", type: "bytes32[][]" },
    ],
  },
] as const;

export const EXIT_PROOF_ABI = [
  {
    type: "tuple",
    components: [
      { name: "witness", type: "bytes" },
      { name: "descriptor", type: "bytes" },
      { name: "descriptorProof", type: "bytes32[]" },
      { name: "outputRoot", type: "bytes32" },
      { name: "outputProof", type: "bytes32[]" },
      { name: "slotProof", type: "bytes32[]" },
      { name: "priorEmpty", type: "bool" },
      { name: "priorRoot", type: "bytes32" },
      { name: "priorBlockRoot", type: "bytes32" },
      { name: "regionProof", type: "bytes32[]" },
    ],
  },
] as const;

const hexes = (a: Uint8Array[]) => a.map((x) => toHex(x));

/** `abi.encode(PhaseProof)`, as the contract decodes it. */
export function encodePhaseProof(p: PhaseProof): Hex {
  return encodeAbiParameters(PHASE_PROOF_ABI, [
    {
      descriptor: toHex(p.descriptor),
      descriptorProof: hexes(p.descriptorProof),
      header: toHex(p.header),
      headerProof: hexes(p.headerProof),
      staticRoot: toHex(p.staticRoot),
      linearProof: hexes(p.linearProof),
      operandRoots: hexes(p.operandRoots),
      operandProofs: p.operandProofs.map(hexes),
    },
  ]);
}

/** `abi.encode(ExitProof)`, as the contract decodes it. */
export function encodeExitProof(p: ExitProof): Hex {
  return encodeAbiParameters(EXIT_PROOF_ABI, [
    {
      witness: toHex(p.witness),
      descriptor: toHex(p.descriptor),
      descriptorProof: hexes(p.descriptorProof),
      outputRoot: toHex(p.outputRoot),
      outputProof: hexes(p.outputProof),
      slotProof: hexes(p.slotProof),
      priorEmpty: p.priorEmpty,
      priorRoot: toHex(p.priorRoot),
      priorBlockRoot: toHex(p.priorBlockRoot),
      regionProof: hexes(p.regionProof),
    },
  ]);
}

const images = new WeakMap<Program, SparseMerkleTree>();

/** The program image's memory tree (its root is programRoot, docs/protocol.md §5.1.1); cached per program. */
export function programImage(program: Program): SparseMerkleTree {
  let t = images.get(program);
  if (!t) {
    t = Machine.create(program, { entry: "run" }).memoryTree();
    images.set(program, t);
  }
  return t;
}

/**
 * Node i's initial machine: the program image positioned at the boot stub of `run`, with the
 * node input written (descriptor at DESC_ADDR, operands at their blocks, output and scratch zero)
 * and `layout.pages` pages of linear memory.
 */
export function initialMachine(
  program: Program,
  layout: NodeLayout,
  operands: readonly Uint8Array[],
  stepLimit?: number,
): Machine {
  if (operands.length !== layout.inputs.length)
    throw new Phase2Error("one operand per descriptor input", {
      details: `${operands.length} operands for ${layout.inputs.length} inputs`,
    });
  const writes = [{ address: DESC_ADDR, bytes: layout.descriptor }];
  layout.inputs.forEach((r, j) => {
    const b = operands[j]!; // one per input, checked above
    if (b.length !== r.byteLength)
      throw new Phase2Error(`operand ${j} has the wrong length`, {
        details: `${b.length} bytes, the descriptor says ${r.byteLength}`,
      });
    writes.push({ address: r.addr, bytes: b });
  });
  return Machine.create(program, { entry: "run", memoryPages: layout.pages, writes, stepLimit });
}

/** The slot trees a phase-2 proof is made against. */
export interface Phase2Trees {
  /** The tree of graphRoot (leaf i = slotLeaf of desc_i). */
  graph: SlotTree;
  /** The tree of weightsRoot. */
  weights: SlotTree;
  /** The agreed graph state S_i (a GraphState when node i writes a cache block). */
  state: SlotTree | GraphState;
}

const slotsOf = (state: SlotTree | GraphState): SlotTree => (state instanceof GraphState ? state.slots : state);

/** The phase proof of node `node` (docs/protocol.md §6.4). */
export function phaseProof(
  program: Program,
  trees: Phase2Trees,
  node: number,
  layout: NodeLayout,
  operands: readonly Uint8Array[],
): PhaseProof {
  const image = programImage(program);
  const headerIndex = HEADER_ADDR / LEAF_BYTES;
  const dv = new DataView(layout.descriptor.buffer, layout.descriptor.byteOffset, layout.descriptor.byteLength);
  const operandProofs = layout.inputs.map((_, j) => {
    const kind = dv.getUint32(16 + 16 * j + 8, true);
    const slot = dv.getUint32(16 + 16 * j + 12, true);
    return (kind === 1 ? trees.weights : slotsOf(trees.state)).prove(slot);
  });
  return {
    descriptor: layout.descriptor,
    descriptorProof: trees.graph.prove(node),
    header: image.getLeaf(headerIndex),
    headerProof: image.proveLeaf(headerIndex),
    staticRoot: image.subtreeRoot(0, STATIC_HEIGHT),
    linearProof: image.proveSubtree(0, LINEAR_HEIGHT),
    operandRoots: operands.map((b) => tensorRoot(b)),
    operandProofs,
  };
}

/**
 * The exit proof of a finished run (docs/protocol.md §6.5): the final witness, the descriptor,
 * the output block's subtree proof against the final memory root and the output slot's proof
 * in S_i — with, for a node that writes a cache block, the cache before the write. Also returns
 * the output root and the S_{i+1} it gives.
 */
export function exitProof(
  machine: Machine,
  trees: Pick<Phase2Trees, "graph" | "state">,
  node: number,
  layout: NodeLayout,
): { proof: ExitProof; outputRoot: Uint8Array; nextState: Uint8Array } {
  const tree = machine.memoryTree();
  const len = layout.output.byteLength;
  const d = tensorDepth(len);
  const index = layout.output.addr / (LEAF_BYTES * 2 ** d);
  const outputRoot = tree.subtreeRoot(index, d);
  const dv = new DataView(layout.descriptor.buffer, layout.descriptor.byteOffset);
  const slot = dv.getUint32(DESC_OUTPUT + 12, true);
  const slotProof = slotsOf(trees.state).prove(slot);
  const zero = new Uint8Array(32);
  let region: Pick<ExitProof, "priorEmpty" | "priorRoot" | "priorBlockRoot" | "regionProof"> = {
    priorEmpty: false,
    priorRoot: zero,
    priorBlockRoot: zero,
    regionProof: [],
  };
  let nextLeaf = slotLeaf(outputRoot, len);
  if (dv.getUint32(DESC_OUTPUT + 8, true) === OUTPUT_REGION) {
    if (!(trees.state instanceof GraphState))
      throw new Phase2Error("a cache block's exit proof needs the graph state with its caches");
    const prior = trees.state.regionPrior(node, len);
    const total = dv.getUint32(DESC_SCRATCH + 12, true);
    const offset = dv.getUint32(DESC_SCRATCH + 8, true);
    region = {
      priorEmpty: prior.empty,
      priorRoot: prior.empty ? zero : prior.root,
      priorBlockRoot: prior.blockRoot,
      regionProof: prior.proof,
    };
    nextLeaf = slotLeaf(rootFromSubtree(outputRoot, offset / (LEAF_BYTES * 2 ** d), d, prior.proof), total);
  }
  const nextState = rootFromLeaf(nextLeaf, slot, slotProof);
  return {
    proof: {
      witness: machine.witness(),
      descriptor: layout.descriptor,
      descriptorProof: trees.graph.prove(node),
      outputRoot,
      outputProof: tree.proveSubtree(index, d),
      slotProof,
      ...region,
    },
    outputRoot,
    nextState,
  };
}

/** The result of a phase-2 run of one node. */
export interface Phase2Run {
  /** The initial state hash (status running): what the contract computes from `phaseProof`. */
  initialStateHash: Uint8Array;
  phaseProof: PhaseProof;
  machine: Machine;
  status: "halted" | "trapped";
  steps: number;
  finalStateHash: Uint8Array;
  /** The output bytes (halted runs only). */
  output: Uint8Array | null;
  /** The exit proof and the S_{i+1} the output gives (halted runs only). */
  exit: { proof: ExitProof; outputRoot: Uint8Array; nextState: Uint8Array } | null;
}

/** Builds node `node`'s initial state and phase proof, runs it to the end and proves its exit. */
export function runPhase2(
  program: Program,
  trees: Phase2Trees,
  node: number,
  layout: NodeLayout,
  operands: readonly Uint8Array[],
  stepLimit?: number,
): Phase2Run {
  const machine = initialMachine(program, layout, operands, stepLimit);
  const initialStateHash = machine.stateHash();
  const proof = phaseProof(program, trees, node, layout, operands);
  const steps = machine.run();
  const halted = machine.halted;
  return {
    initialStateHash,
    phaseProof: proof,
    machine,
    status: halted ? "halted" : "trapped",
    steps,
    finalStateHash: machine.stateHash(),
    output: halted ? machine.readMemory(layout.output.addr, layout.output.byteLength) : null,
    exit: halted ? exitProof(machine, trees, node, layout) : null,
  };
}
