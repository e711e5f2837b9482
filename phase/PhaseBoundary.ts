/**
 * The TypeScript twin of contracts/src/phase/PhaseBoundary.sol (docs/protocol.md §6.1, §6.2):
 * the initial state hash of node i computed from a phase proof alone, and the exit check of a
 * final state — what a referee or a watchtower checks off chain before the contract does. Both
 * throw {@link PhaseProofError} naming the contract's custom error where the contract reverts.
 */
import {
  bytesEqual,
  hashNode,
  rootFromLeaf,
  rootFromSubtree,
  tensorDepth,
  tensorRoot,
  zeroHash,
} from "../commitment/index.ts";
import { slotLeaf, SLOT_DEPTH } from "../commitment/slotTree.ts";
import { hexToBytes, toHex, type Hex } from "viem";
import { OpmlError } from "../common/errors.ts";
import {
  DESC_ADDR,
  DESC_OUTPUT,
  DESC_SCRATCH,
  DESC_SIZE,
  MAX_INPUTS,
  OPERANDS_BASE,
  OUTPUT_REGION,
  PAGE_SIZE,
  SlotKind,
} from "../dnn-lib/src/nodeInput.ts";
import {
  DEFAULT_STEP_LIMIT,
  encodeWitness,
  hashWitness,
  HEADER_ADDR,
  LEAF_BYTES,
  MEM_DEPTH,
  STATUS_HALTED,
  STATUS_RUNNING,
  W_STATUS,
  WITNESS_BYTES,
} from "../vm/index.ts";
import { LINEAR_HEIGHT, STATIC_HEIGHT, type ExitProof, type PhaseProof } from "./phase2.ts";

/** A proof the contract would reject; `error` is the name of its custom error. */
export class PhaseProofError extends OpmlError {
  override name = "PhaseProofError";
  constructor(
    readonly error: string,
    details: string,
  ) {
    super(`phase boundary: ${error}`, { details });
  }
}

export interface CommitmentRoots {
  programRoot: Uint8Array;
  graphRoot: Uint8Array;
  weightsRoot: Uint8Array;
  nodeCount: number;
}

interface Sub {
  index: number;
  height: number;
  root: Uint8Array;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function fail(error: string, details: string): never {
  throw new PhaseProofError(error, details);
}

function checkLength(what: number, expected: number, actual: number) {
  if (actual !== expected) fail("ProofLength", `proof ${what}: ${actual} siblings, expected ${expected}`);
}

/** The root of a height-`h` tree at `index` holding the aligned `subs`, zeros elsewhere. */
function compose(h: number, index: number, subs: Sub[]): Uint8Array {
  const lo = index * 2 ** h;
  const hi = lo + 2 ** h;
  const inside = subs.filter((s) => s.index * 2 ** s.height < hi && (s.index + 1) * 2 ** s.height > lo);
  if (inside.length === 0) return zeroHash(h);
  const exact = inside.find((s) => s.height === h && s.index === index);
  if (exact) return exact.root;
  if (inside.some((s) => s.height >= h)) fail("SubtreesOverlap", `subtrees overlap at height ${h}, index ${index}`);
  return hashNode(compose(h - 1, 2 * index, inside), compose(h - 1, 2 * index + 1, inside));
}

function checkDescriptor(graphRoot: Uint8Array, node: number, desc: Uint8Array, proof: Uint8Array[]): Uint8Array {
  if (desc.length !== DESC_SIZE) fail("DescriptorLength", `${desc.length} bytes`);
  checkLength(0, SLOT_DEPTH, proof.length);
  const root = tensorRoot(desc);
  const computed = rootFromLeaf(slotLeaf(root, DESC_SIZE), node, proof);
  if (!bytesEqual(computed, graphRoot)) fail("DescriptorNotInGraph", `node ${node}: ${hex(computed)}`);
  return root;
}

function place(region: number, addr: number, len: number, cursor: number): { d: number; next: number } {
  const d = tensorDepth(len);
  const size = LEAF_BYTES * 2 ** d;
  const expected = Math.ceil(cursor / size) * size;
  if (addr !== expected) fail("BlockAddressMismatch", `region ${region} at ${addr}, expected ${expected}`);
  return { d, next: addr + size };
}

/** The initial state hash `PhaseBoundary.initialStateHash` returns for this proof. */
export function initialStateFromProof(m: CommitmentRoots, node: number, sI: Uint8Array, p: PhaseProof): Uint8Array {
  if (node >= m.nodeCount) fail("NodeOutOfRange", `node ${node} of ${m.nodeCount}`);
  const descRoot = checkDescriptor(m.graphRoot, node, p.descriptor, p.descriptorProof);
  const dv = new DataView(p.descriptor.buffer, p.descriptor.byteOffset, p.descriptor.byteLength);
  const u32 = (o: number) => dv.getUint32(o, true);
  const n = u32(8);
  if (n > MAX_INPUTS) fail("TooManyOperands", `${n} operands`);
  if (p.operandRoots.length !== n || p.operandProofs.length !== n)
    fail("OperandCount", `${n} operands, ${p.operandRoots.length} roots, ${p.operandProofs.length} proofs`);
  const subs: Sub[] = [
    { index: 0, height: STATIC_HEIGHT, root: p.staticRoot },
    { index: DESC_ADDR / (LEAF_BYTES * 8), height: 3, root: descRoot },
  ];
  let cursor = OPERANDS_BASE;
  for (let j = 0; j < n; j++) {
    const off = 16 + 16 * j;
    const [addr, len, kind, slot] = [u32(off), u32(off + 4), u32(off + 8), u32(off + 12)];
    if (kind > 1) fail("OperandKind", `operand ${j}: kind ${kind}`);
    const [operandRoot, operandProof] = [p.operandRoots[j]!, p.operandProofs[j]!]; // n of each, checked above
    checkLength(3, SLOT_DEPTH, operandProof.length);
    const computed = rootFromLeaf(slotLeaf(operandRoot, len), slot, operandProof);
    if (!bytesEqual(computed, kind === 0 ? sI : m.weightsRoot))
      fail("OperandNotInSlot", `operand ${j}, kind ${kind}, slot ${slot}: ${hex(computed)}`);
    const { d, next } = place(j, addr, len, cursor);
    subs.push({ index: addr / (LEAF_BYTES * 2 ** d), height: d, root: operandRoot });
    cursor = next;
  }
  if (u32(120) !== SlotKind.activation && u32(120) !== OUTPUT_REGION) fail("OutputKind", `kind ${u32(120)}`);
  cursor = place(6, u32(112), u32(116), cursor).next;
  if (u32(132) > 0) cursor = place(7, u32(128), u32(132), cursor).next;
  else if (u32(128) !== 0) fail("BlockAddressMismatch", `region 7 at ${u32(128)}, expected 0`);
  if (cursor > 2 ** 32) fail("NodeTooLarge", `ends at ${cursor}`);
  const pages = Math.ceil(cursor / PAGE_SIZE);

  checkLength(2, MEM_DEPTH - LINEAR_HEIGHT, p.linearProof.length);
  const image = rootFromSubtree(compose(LINEAR_HEIGHT, 0, subs.slice(0, 1)), 0, LINEAR_HEIGHT, p.linearProof);
  if (!bytesEqual(image, m.programRoot)) fail("LinearMemoryNotInProgram", hex(image));
  const memRoot = rootFromSubtree(compose(LINEAR_HEIGHT, 0, subs), 0, LINEAR_HEIGHT, p.linearProof);

  checkLength(1, MEM_DEPTH, p.headerProof.length);
  const header = rootFromLeaf(p.header, HEADER_ADDR / LEAF_BYTES, p.headerProof);
  if (!bytesEqual(header, m.programRoot)) fail("HeaderNotInProgram", hex(header));
  const hv = new DataView(p.header.buffer, p.header.byteOffset, 32);
  const headerWord = (o: number) => hv.getUint32(o, true);
  const [bootPc, maxPages, tableSize, minPages] = [headerWord(0), headerWord(4), headerWord(8), headerWord(12)];
  if (pages < minPages || pages > maxPages) fail("PagesOutOfRange", `${pages} pages, [${minPages}, ${maxPages}]`);
  const regs = { pc: bootPc, sp: 0, fp: 0, depth: 0, pages, maxPages, tableSize, steps: 0 };
  return hashWitness(encodeWitness({ ...regs, stepLimit: DEFAULT_STEP_LIMIT, status: STATUS_RUNNING }, memRoot));
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

/** Throws where `PhaseBoundary.checkExit` reverts. */
export function checkExitProof(
  m: CommitmentRoots,
  node: number,
  sI: Uint8Array,
  sNext: Uint8Array,
  finalHash: Uint8Array,
  p: ExitProof,
): void {
  if (node >= m.nodeCount) fail("NodeOutOfRange", `node ${node} of ${m.nodeCount}`);
  if (p.witness.length !== WITNESS_BYTES) fail("WitnessLength", `${p.witness.length} bytes`);
  const computedHash = hashWitness(p.witness);
  if (!bytesEqual(computedHash, finalHash)) fail("FinalStateMismatch", hex(computedHash));
  if (p.witness[W_STATUS] !== STATUS_HALTED) fail("FinalStateNotHalted", `status ${p.witness[W_STATUS]}`);
  checkDescriptor(m.graphRoot, node, p.descriptor, p.descriptorProof);
  const dv = new DataView(p.descriptor.buffer, p.descriptor.byteOffset, p.descriptor.byteLength);
  const kind = dv.getUint32(DESC_OUTPUT + 8, true);
  if (kind !== SlotKind.activation && kind !== OUTPUT_REGION) fail("OutputKind", `kind ${kind}`);
  const [addr, len, slot] = [
    dv.getUint32(DESC_OUTPUT, true),
    dv.getUint32(DESC_OUTPUT + 4, true),
    dv.getUint32(DESC_OUTPUT + 12, true),
  ];
  const d = tensorDepth(len);
  checkLength(4, MEM_DEPTH - d, p.outputProof.length);
  const mem = rootFromSubtree(p.outputRoot, addr / (LEAF_BYTES * 2 ** d), d, p.outputProof);
  if (!bytesEqual(mem, p.witness.subarray(0, 32))) fail("OutputNotInMemory", hex(mem));
  checkLength(5, SLOT_DEPTH, p.slotProof.length);
  let oldLeaf: Uint8Array = new Uint8Array(32);
  let newLeaf = slotLeaf(p.outputRoot, len);
  const unused = !p.priorEmpty && isZero(p.priorRoot) && isZero(p.priorBlockRoot) && p.regionProof.length === 0;
  if (kind !== OUTPUT_REGION && !unused) fail("UnusedRegionProof", "a whole-slot write carries no cache fields");
  if (kind === OUTPUT_REGION) {
    // One block of a cache: the block's old root climbs to the cache's old tensor root, the
    // output's root with the same siblings to its new one.
    const offset = dv.getUint32(DESC_SCRATCH + 8, true);
    const total = dv.getUint32(DESC_SCRATCH + 12, true);
    const D = tensorDepth(total);
    const block = LEAF_BYTES * 2 ** d;
    if (d > D || offset % block !== 0 || offset / block >= 2 ** (D - d))
      fail("RegionOutOfRange", `offset ${offset}, block ${block} bytes, cache ${total} bytes`);
    checkLength(6, D - d, p.regionProof.length);
    if (p.priorEmpty && !isZero(p.priorRoot)) fail("UnusedRegionProof", "an empty cache has no prior root");
    const priorRoot = p.priorEmpty ? zeroHash(D) : p.priorRoot;
    const climbed = rootFromSubtree(p.priorBlockRoot, offset / block, d, p.regionProof);
    if (!bytesEqual(climbed, priorRoot)) fail("PriorBlockMismatch", `${hex(priorRoot)} vs ${hex(climbed)}`);
    if (!p.priorEmpty) oldLeaf = slotLeaf(priorRoot, total);
    newLeaf = slotLeaf(rootFromSubtree(p.outputRoot, offset / block, d, p.regionProof), total);
  }
  const before = rootFromLeaf(oldLeaf, slot, p.slotProof);
  if (!bytesEqual(before, sI)) fail("OutputSlotNotEmpty", `slot ${slot}: ${hex(before)}`);
  const after = rootFromLeaf(newLeaf, slot, p.slotProof);
  if (!bytesEqual(after, sNext)) fail("NextStateMismatch", hex(after));
}

/** The phase boundary's two checks in the shape `IPhaseBoundary` has (and bisection's Referee takes). */
export interface PhaseBoundaryChecks {
  initialStateHash(node: bigint, agreedState: Hex, phaseProof: PhaseProof): Hex;
  checkExit(node: bigint, agreedState: Hex, disputedState: Hex, finalVmState: Hex, exitProof: ExitProof): void;
}

/** The real phase boundary of a game over model `m`, for the TS referee (bisection/Referee.ts). */
export function refereeBoundary(m: CommitmentRoots): PhaseBoundaryChecks {
  return {
    initialStateHash: (node, agreedState, proof) =>
      toHex(initialStateFromProof(m, Number(node), hexToBytes(agreedState), proof)),
    checkExit: (node, agreedState, disputedState, finalVmState, proof) =>
      checkExitProof(
        m,
        Number(node),
        hexToBytes(agreedState),
        hexToBytes(disputedState),
        hexToBytes(finalVmState),
        proof,
      ),
  };
}
