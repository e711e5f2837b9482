/**
 * Writes contracts/test/vectors/commitment.json: cross-language vectors computed by the TypeScript
 * commitment library, replayed by forge (contracts/test/commitment/CommitmentVectors.t.sol) against
 * the Solidity library. Deterministic: the same library always writes the same file, and
 * commitment/test/vectors.test.ts fails when the committed file is stale.
 *
 *   npx tsx commitment/tools/writeVectors.ts          # rewrite the file
 *   npx tsx commitment/tools/writeVectors.ts --check  # exit 1 if the file differs
 *
 * Shape (chosen for forge's `vm.parseJson*`, which reads one typed field at a time): one array per
 * kind of vector, each element a flat object of numbers, 0x-hex words and arrays of 0x-hex words.
 * Every uint is a JSON number (all below 2^53).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { encodeErrorResult, parseAbi, toHex, type Hex } from "viem";
import {
  SparseMerkleTree,
  SlotTree,
  SLOT_DEPTH,
  keccak256,
  slotLeaf,
  tensorDepth,
  tensorRoot,
  tensorSlotLeaf,
  verifyLeaf,
  verifySubtree,
  zeroHash,
  MAX_DEPTH,
  ProofIndexError,
  ProofLengthError,
  RootMismatchError,
} from "../index.ts";

export const VECTORS_PATH = fileURLToPath(new URL("../../contracts/test/vectors/commitment.json", import.meta.url));

/** The Solidity errors (contracts/src/commitment/Merkle.sol) the rejection vectors expect. */
const MERKLE_ERRORS = parseAbi([
  "error ProofLengthMismatch(uint256 expected, uint256 actual)",
  "error IndexOutOfRange(uint256 index, uint256 depth)",
  "error RootMismatch(bytes32 expected, bytes32 computed)",
  "error HeightOutOfRange(uint256 height, uint256 depth)",
]);

// ---------------------------------------------------------------------------- deterministic data

/** A 32-byte pseudo-random word: keccak256(label ‖ ":" ‖ i). */
function rand(label: string, i: number): Uint8Array {
  return keccak256(new TextEncoder().encode(`${label}:${i}`));
}

/** A pseudo-random integer in [0, n). */
function randInt(label: string, i: number, n: number): number {
  const w = rand(label, i);
  let v = 0;
  for (let k = 0; k < 7; k++) v = v * 256 + w[k]!;
  return v % n;
}

/** `n` pseudo-random bytes. */
function randBytes(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i * 32 < n; i++) out.set(rand(label, i).subarray(0, Math.min(32, n - i * 32)), i * 32);
  return out;
}

const hex = (b: Uint8Array): Hex => toHex(b);
const hexes = (bs: Uint8Array[]): Hex[] => bs.map(hex);

// ---------------------------------------------------------------------------- vector kinds

interface LeafProof {
  name: string;
  depth: number;
  index: number;
  leaf: Hex;
  root: Hex;
  proof: Hex[];
}

interface SubtreeProof {
  name: string;
  depth: number;
  height: number;
  index: number;
  subRoot: Hex;
  root: Hex;
  proof: Hex[];
}

interface LeafWrite {
  name: string;
  depth: number;
  index: number;
  oldLeaf: Hex;
  newLeaf: Hex;
  oldRoot: Hex;
  newRoot: Hex;
  proof: Hex[];
}

interface SubtreeWrite {
  name: string;
  depth: number;
  height: number;
  index: number;
  oldSubRoot: Hex;
  newSubRoot: Hex;
  oldRoot: Hex;
  newRoot: Hex;
  proof: Hex[];
}

interface Tensor {
  name: string;
  data: Hex;
  byteLength: number;
  depth: number;
  root: Hex;
  slotLeaf: Hex;
}

interface SlotLeafVector {
  root: Hex;
  byteLength: number;
  leaf: Hex;
}

interface Composed {
  name: string;
  depth: number;
  indices: number[];
  heights: number[];
  roots: Hex[];
  root: Hex;
}

/** A proof the verifiers must refuse, with the exact Solidity revert data (`verifyLeaf`/`verifySubtree`). */
interface Rejection {
  name: string;
  depth: number;
  height: number;
  index: number;
  node: Hex;
  root: Hex;
  proof: Hex[];
  revertData: Hex;
}

export interface CommitmentVectors {
  version: number;
  generator: string;
  zeroHashes: Hex[];
  leafProofs: LeafProof[];
  subtreeProofs: SubtreeProof[];
  leafWrites: LeafWrite[];
  subtreeWrites: SubtreeWrite[];
  tensors: Tensor[];
  slotLeaves: SlotLeafVector[];
  composed: Composed[];
  rejections: Rejection[];
}

/** A tree of `depth` holding `k` pseudo-random leaves, always including the first and the last index. */
function randomTree(label: string, depth: number, k: number): { tree: SparseMerkleTree; indices: number[] } {
  const tree = new SparseMerkleTree(depth);
  const size = 2 ** depth;
  const indices = new Set<number>([0, size - 1]);
  for (let i = 0; indices.size < Math.min(k, size); i++) indices.add(randInt(`${label}/idx`, i, size));
  const sorted = [...indices].sort((a, b) => a - b);
  sorted.forEach((idx, i) => tree.setLeaf(idx, rand(`${label}/val`, i)));
  return { tree, indices: sorted };
}

function leafProofs(): LeafProof[] {
  const out: LeafProof[] = [];
  for (const depth of [0, 1, 4, 8, 20, SLOT_DEPTH, 27, 32, 48]) {
    const { tree, indices } = randomTree(`leaf/d${depth}`, depth, 6);
    const root = hex(tree.root());
    const picks = new Set([indices[0]!, indices[indices.length - 1]!, indices[Math.floor(indices.length / 2)]!]);
    if (depth > 0) picks.add(randInt(`leaf/d${depth}/empty`, 0, 2 ** depth)); // usually an empty leaf
    for (const index of picks) {
      out.push({
        name: `depth ${depth}, leaf ${index}`,
        depth,
        index,
        leaf: hex(tree.getLeaf(index)),
        root,
        proof: hexes(tree.proveLeaf(index)),
      });
    }
  }
  return out;
}

function subtreeProofs(): SubtreeProof[] {
  const out: SubtreeProof[] = [];
  const cases: [number, number[]][] = [
    [4, [0, 1, 2, 4]],
    [SLOT_DEPTH, [0, 3, 10, SLOT_DEPTH - 1, SLOT_DEPTH]],
    [27, [5, 12]],
    [48, [16, 40]],
  ];
  for (const [depth, heights] of cases) {
    const { tree, indices } = randomTree(`sub/d${depth}`, depth, 12);
    const root = hex(tree.root());
    for (const height of heights) {
      // The subtree holding a middle leaf, and the last subtree of that height.
      const count = 2 ** (depth - height);
      for (const index of new Set([Math.floor(indices[Math.floor(indices.length / 2)]! / 2 ** height), count - 1])) {
        out.push({
          name: `depth ${depth}, height ${height}, index ${index}`,
          depth,
          height,
          index,
          subRoot: hex(tree.subtreeRoot(index, height)),
          root,
          proof: hexes(tree.proveSubtree(index, height)),
        });
      }
    }
  }
  return out;
}

function leafWrites(): LeafWrite[] {
  const out: LeafWrite[] = [];
  // "Write slot k" on a slot tree: fill, fill far away, overwrite, clear.
  const slots = new SlotTree();
  const steps: [number, Uint8Array][] = [
    [0, tensorSlotLeaf(randBytes("w/t0", 100))],
    [5, tensorSlotLeaf(randBytes("w/t5", 33))],
    [2 ** SLOT_DEPTH - 1, tensorSlotLeaf(randBytes("w/tlast", 1000))],
    [5, tensorSlotLeaf(randBytes("w/t5b", 64))],
    [0, new Uint8Array(32)],
  ];
  steps.forEach(([slot, leaf], i) => {
    const w = slots.writeSlot(slot, leaf);
    out.push({
      name: `slot tree write ${i}: slot ${slot}`,
      depth: SLOT_DEPTH,
      index: slot,
      oldLeaf: hex(w.oldLeaf),
      newLeaf: hex(w.newLeaf),
      oldRoot: hex(w.oldRoot),
      newRoot: hex(w.newRoot),
      proof: hexes(w.proof),
    });
  });
  // Plain trees of other depths.
  for (const depth of [1, 8, 32, 48]) {
    const { tree, indices } = randomTree(`write/d${depth}`, depth, 8);
    for (const [j, index] of [indices[1]!, randInt(`write/d${depth}/new`, 0, 2 ** depth)].entries()) {
      const oldRoot = tree.root();
      const proof = tree.proveLeaf(index);
      const oldLeaf = tree.getLeaf(index);
      const newLeaf = rand(`write/d${depth}/leaf`, j);
      tree.setLeaf(index, newLeaf);
      out.push({
        name: `depth ${depth}, leaf ${index}`,
        depth,
        index,
        oldLeaf: hex(oldLeaf),
        newLeaf: hex(newLeaf),
        oldRoot: hex(oldRoot),
        newRoot: hex(tree.root()),
        proof: hexes(proof),
      });
    }
  }
  return out;
}

function subtreeWrites(): SubtreeWrite[] {
  const out: SubtreeWrite[] = [];
  // A VM-like memory of 2^27 words with a program image in its first 64 KiB; tensors are written at
  // 32·2^d-aligned byte addresses, each write proved by the subtree's proof before it.
  const depth = 27;
  const mem = new SparseMerkleTree(depth);
  for (let i = 0; i < 40; i++) mem.setLeaf(randInt("sw/prog", i, 2048), rand("sw/prog/val", i));
  const writes: [string, number, Uint8Array][] = [
    ["1000-byte tensor into a zero region", 1 << 20, randBytes("sw/a", 1000)],
    ["another 1000-byte tensor over it", 1 << 20, randBytes("sw/b", 1000)],
    ["33-byte tensor into a zero region", 1 << 24, randBytes("sw/c", 33)],
    ["one word into the program image", 32 * 7, randBytes("sw/d", 32)],
    ["4097-byte tensor over part of the program image", 0, randBytes("sw/e", 4097)],
  ];
  for (const [what, byteAddress, data] of writes) {
    const height = tensorDepth(data.length);
    const index = byteAddress / 32 / 2 ** height;
    const oldRoot = mem.root();
    const oldSubRoot = mem.subtreeRoot(index, height);
    const proof = mem.proveSubtree(index, height);
    const wasZero = hex(oldSubRoot) === hex(zeroHash(height));
    mem.writeBytes(byteAddress, data);
    const newSubRoot = mem.subtreeRoot(index, height);
    // The phase-boundary property again: written into zeros, the subtree root is the tensor root.
    if (wasZero && hex(newSubRoot) !== hex(tensorRoot(data)))
      throw new Error(`${what}: subtree root is not the tensor root`);
    out.push({
      name: `depth ${depth}: ${what}`,
      depth,
      height,
      index,
      oldSubRoot: hex(oldSubRoot),
      newSubRoot: hex(newSubRoot),
      oldRoot: hex(oldRoot),
      newRoot: hex(mem.root()),
      proof: hexes(proof),
    });
  }
  // A slot tree: replace an aligned block of 8 slots at once.
  const { tree } = randomTree("sw/slots", SLOT_DEPTH, 12);
  const oldRoot = tree.root();
  const proof = tree.proveSubtree(3, 3);
  const oldSubRoot = tree.subtreeRoot(3, 3);
  for (let q = 0; q < 8; q++) tree.setLeaf(24 + q, rand("sw/slots/new", q));
  out.push({
    name: `depth ${SLOT_DEPTH}: slots 24..31 replaced`,
    depth: SLOT_DEPTH,
    height: 3,
    index: 3,
    oldSubRoot: hex(oldSubRoot),
    newSubRoot: hex(tree.subtreeRoot(3, 3)),
    oldRoot: hex(oldRoot),
    newRoot: hex(tree.root()),
    proof: hexes(proof),
  });
  return out;
}

function tensors(): Tensor[] {
  const lengths = [0, 1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 100, 255, 256, 1000, 1024, 1025, 4097];
  const out: Tensor[] = lengths.map((n) => {
    const data = randBytes(`tensor/${n}`, n);
    return {
      name: `${n} random bytes`,
      data: hex(data),
      byteLength: n,
      depth: tensorDepth(n),
      root: hex(tensorRoot(data)),
      slotLeaf: hex(tensorSlotLeaf(data)),
    };
  });
  // Zero tensors: their roots are zero hashes, only the slot leaf tells the lengths apart.
  for (const n of [32, 64, 96]) {
    const data = new Uint8Array(n);
    out.push({
      name: `${n} zero bytes`,
      data: hex(data),
      byteLength: n,
      depth: tensorDepth(n),
      root: hex(tensorRoot(data)),
      slotLeaf: hex(tensorSlotLeaf(data)),
    });
  }
  return out;
}

function slotLeaves(): SlotLeafVector[] {
  const cases: [Uint8Array, number][] = [
    [new Uint8Array(32), 0],
    [new Uint8Array(32), 32],
    [rand("slot", 0), 1],
    [rand("slot", 1), 1000],
    [rand("slot", 2), 2 ** 32],
    [rand("slot", 3), 2 ** 52],
  ];
  return cases.map(([root, n]) => ({ root: hex(root), byteLength: n, leaf: hex(slotLeaf(root, n)) }));
}

/** A composed root: the subtrees' roots read from a tree holding their leaves, and that tree's root. */
function compose(name: string, depth: number, tree: SparseMerkleTree, subs: [number, number][]): Composed {
  return {
    name,
    depth,
    indices: subs.map(([index]) => index),
    heights: subs.map(([, height]) => height),
    roots: subs.map(([index, height]) => hex(tree.subtreeRoot(index, height))),
    root: hex(tree.root()),
  };
}

function composed(): Composed[] {
  const out: Composed[] = [];

  out.push(compose(`no subtrees, depth ${SLOT_DEPTH}`, SLOT_DEPTH, new SparseMerkleTree(SLOT_DEPTH), []));

  {
    const t = new SparseMerkleTree(5);
    for (let i = 0; i < 32; i++) t.setLeaf(i, rand("whole", i));
    out.push(compose("one subtree is the whole tree", 5, t, [[0, 5]]));
  }

  {
    // Leaves 0..3 (height 2), leaf 9 (height 0), leaves 32..47 (height 4), leaf 63 in a depth-10 tree.
    const t = new SparseMerkleTree(10);
    for (let i = 0; i < 4; i++) t.setLeaf(i, rand("mix/a", i));
    t.setLeaf(9, rand("mix/b", 0));
    for (let i = 32; i < 48; i += 3) t.setLeaf(i, rand("mix/c", i));
    t.setLeaf(63, rand("mix/d", 0));
    out.push(
      compose("mixed heights, depth 10", 10, t, [
        [0, 2],
        [9, 0],
        [2, 4],
        [63, 0],
      ]),
    );
  }

  {
    // A phase-2 style VM memory of 2^27 words: a descriptor word at a fixed address, operand tensors
    // written at 32·2^d-aligned byte addresses, so each subtree root is the tensor root.
    const depth = 27;
    const mem = new SparseMerkleTree(depth);
    const subs: [number, number][] = [[0, 0]];
    mem.setLeaf(0, rand("vm/descriptor", 0));
    const placed: [number, number][] = [
      [1000, 1 << 12],
      [33, 1 << 20],
      [4097, 1 << 24],
      [200000, 1 << 25], // 200000 bytes: 6250 leaves, depth 13, at byte address 2^25
    ];
    for (const [n, byteAddress] of placed) {
      const data = randBytes(`vm/tensor/${n}`, n);
      const d = tensorDepth(n);
      mem.writeBytes(byteAddress, data);
      subs.push([byteAddress / 32 / 2 ** d, d]);
    }
    const c = compose("VM memory: descriptor and four aligned tensors, depth 27", depth, mem, subs);
    placed.forEach(([n], i) => {
      // The property the phase boundary relies on (docs/protocol.md §2.1).
      const expected = hex(tensorRoot(randBytes(`vm/tensor/${n}`, n)));
      if (c.roots[i + 1] !== expected) throw new Error(`tensor root of ${n} bytes is not its aligned subtree root`);
    });
    out.push(c);
  }

  {
    // Neighbours whose first leaves differ first at bits 35 and 39.
    const t = new SparseMerkleTree(40);
    t.setLeaf(2 ** 35 - 1, rand("mid", 0));
    t.setLeaf(2 ** 35 + 5, rand("mid", 1));
    t.setLeaf(2 ** 39 + 2 ** 33, rand("mid", 2));
    out.push(
      compose("depth 40, paths meeting at levels 36 and 40", 40, t, [
        [2 ** 35 - 1, 0],
        [2 ** 32, 3],
        [2 ** 39 + 2 ** 33, 0],
      ]),
    );
  }

  {
    const t = new SparseMerkleTree(48);
    t.setLeaf(2 ** 20 + 7, rand("deep", 0));
    t.setLeaf(2 ** 47 + 2 ** 30, rand("deep", 1));
    t.setLeaf(2 ** 48 - 1, rand("deep", 2));
    out.push(
      compose("depth 48, three subtrees", 48, t, [
        [1, 20],
        [2 ** 17 + 1, 30],
        [2 ** 48 - 1, 0],
      ]),
    );
  }
  return out;
}

/** What the TypeScript verifier throws for a bad proof, as the Solidity revert data it must match. */
function expectedRevert(run: () => void): Hex {
  try {
    run();
  } catch (e) {
    if (e instanceof ProofLengthError) {
      return encodeErrorResult({
        abi: MERKLE_ERRORS,
        errorName: "ProofLengthMismatch",
        args: [BigInt(e.expected), BigInt(e.actual)],
      });
    }
    if (e instanceof ProofIndexError) {
      return encodeErrorResult({
        abi: MERKLE_ERRORS,
        errorName: "IndexOutOfRange",
        args: [BigInt(e.index), BigInt(Math.log2(e.limit))],
      });
    }
    if (e instanceof RootMismatchError) {
      return encodeErrorResult({
        abi: MERKLE_ERRORS,
        errorName: "RootMismatch",
        args: [hex(e.expected), hex(e.computed)],
      });
    }
    throw e;
  }
  throw new Error("expected the TypeScript verifier to reject this proof");
}

function rejections(): Rejection[] {
  const out: Rejection[] = [];
  const depth = SLOT_DEPTH;
  const { tree, indices } = randomTree("reject", depth, 8);
  const root = tree.root();
  const index = indices[3]!;
  const leaf = tree.getLeaf(index);
  const proof = tree.proveLeaf(index);
  const flip = (w: Uint8Array): Uint8Array => {
    const c = w.slice();
    c[31]! ^= 1;
    return c;
  };
  const leafCase = (name: string, r: Uint8Array, l: Uint8Array, i: number, p: Uint8Array[]): void => {
    out.push({
      name,
      depth,
      height: 0,
      index: i,
      node: hex(l),
      root: hex(r),
      proof: hexes(p),
      revertData: expectedRevert(() => verifyLeaf(r, l, i, p, depth)),
    });
  };
  leafCase("proof one sibling short", root, leaf, index, proof.slice(0, depth - 1));
  leafCase("proof one sibling long", root, leaf, index, [...proof, new Uint8Array(32)]);
  leafCase("index 2^depth", root, leaf, 2 ** depth, proof);
  leafCase("neighbouring index", root, leaf, index ^ 1, proof);
  leafCase("wrong leaf", root, flip(leaf), index, proof);
  leafCase("wrong root", flip(root), leaf, index, proof);
  leafCase("tampered top sibling", root, leaf, index, [...proof.slice(0, depth - 1), flip(proof[depth - 1]!)]);

  const height = 4;
  const sIndex = Math.floor(index / 2 ** height);
  const sub = tree.subtreeRoot(sIndex, height);
  const sProof = tree.proveSubtree(sIndex, height);
  const subCase = (name: string, s: Uint8Array, i: number, p: Uint8Array[]): void => {
    out.push({
      name,
      depth,
      height,
      index: i,
      node: hex(s),
      root: hex(root),
      proof: hexes(p),
      revertData: expectedRevert(() => verifySubtree(root, s, i, height, p, depth)),
    });
  };
  subCase("subtree proof with a leaf proof's length", sub, sIndex, proof);
  subCase("subtree index 2^(depth-height)", sub, 2 ** (depth - height), sProof);
  subCase("wrong subtree root", flip(sub), sIndex, sProof);
  return out;
}

/** All vectors, as the JSON text the file must hold. */
export function buildVectors(): string {
  const zeroHashes: Hex[] = [];
  for (let h = 0; h <= MAX_DEPTH; h++) zeroHashes.push(hex(zeroHash(h)));
  const v: CommitmentVectors = {
    version: 1,
    generator: "commitment/tools/writeVectors.ts",
    zeroHashes,
    leafProofs: leafProofs(),
    subtreeProofs: subtreeProofs(),
    leafWrites: leafWrites(),
    subtreeWrites: subtreeWrites(),
    tensors: tensors(),
    slotLeaves: slotLeaves(),
    composed: composed(),
    rejections: rejections(),
  };
  return JSON.stringify(v, null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = buildVectors();
  if (process.argv.includes("--check")) {
    const current = readFileSync(VECTORS_PATH, "utf8");
    if (current !== text) {
      console.error(`${VECTORS_PATH} is stale: run npx tsx commitment/tools/writeVectors.ts`);
      process.exit(1);
    }
    console.log(`${VECTORS_PATH} is up to date`);
  } else {
    writeFileSync(VECTORS_PATH, text);
    console.log(`wrote ${VECTORS_PATH} (${text.length} bytes)`);
  }
}
