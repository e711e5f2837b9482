/**
 * The golden-vector pipeline of the step verifier, one for both of its implementations: one-step
 * proofs taken from the TypeScript VM (vm/corpus/stepCases.ts: every step of the opcode corpus, a
 * step-cap run, every step of a small kernel), replayed by forge (contracts/test/vm/VmGoldenVectors.t.sol
 * and contracts/test/vm/StepVerifier.t.sol) and by TypeScript (vm/test/goldenVectors.test.ts, which
 * also fails when the committed files are not what this writes). `npx tsx vm/tools/goldenVectors.ts` rewrites
 * contracts/test/vectors/vm/.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { corpusCases, runProving, type StepCase } from "../corpus/stepCases.ts";
import { wat } from "../corpus/wat.ts";
import { hashWitness } from "../witness.ts";
import {
  OP_BR_TABLE,
  OP_CALL,
  OP_CALL_INDIRECT,
  OP_HALT,
  OP_I32_DIV_S,
  OP_I32_DIV_U,
  OP_I64_REM_S,
  OP_I64_STORE,
  OP_MEMORY_GROW,
  OP_RETURN,
  OP_TRAP,
  STATUS_HALTED,
  STATUS_TRAPPED,
  W_STATUS,
} from "../layout.ts";
import { flatOpcode } from "../opcodeTable.ts";

export const VECTOR_DIR = fileURLToPath(new URL("../../contracts/test/vectors/vm/", import.meta.url));

/** One step, as the vector files hold it (keys in alphabetical order: forge's JSON-to-ABI mapping). */
export interface Vector {
  /** Leaf accesses in the proof (`proof` is `accesses · 992` bytes). */
  accesses: number;
  /** A named case's name (the forge tests pick it by name), else the source and the step. */
  name: string;
  /** The flat opcode executed; -1 for a halted/trapped fixed point, -2 for the step that hits the cap. */
  op: number;
  postStateHash: string;
  /** Status after the step: 0 running, 1 halted, 2 trapped. */
  postStatus: number;
  preStateHash: string;
  preWitness: string;
  proof: string;
  /** Where the state comes from (program and call). */
  source: string;
  /** The step number k (the pre-state is the state after k steps). */
  step: number;
}

/** Cases kept per flat opcode, and as many trapping ones again. */
const PER_OP = 3;

/** A small kernel: an i64 dot product of two int8 vectors in linear memory. */
export const KERNEL_WAT = `(module (memory 1)
  (data (i32.const 0) "\\01\\fe\\03\\fc\\05\\fa")
  (data (i32.const 32) "\\07\\08\\f7\\0a\\0b\\f4")
  (func (export "run") (local $i i32) (local $acc i64)
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (i32.const 6)))
      (local.set $acc (i64.add (local.get $acc)
        (i64.mul (i64.load8_s (local.get $i)) (i64.load8_s offset=32 (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))
    (i64.store offset=64 (i32.const 0) (local.get $acc))))`;

const post = (c: StepCase) => c.postStateHash[0];
const isLoad = (c: StepCase) => typeof c.op === "number" && flatOpcode(c.op)?.kind === "load";
const isStore = (c: StepCase) => typeof c.op === "number" && flatOpcode(c.op)?.kind === "store";

/** The named cases the forge tests pick by name: what each step proves, and how to find it. */
export const NAMED: [name: string, pick: (c: StepCase) => boolean][] = [
  ["i32DivByZero_traps", (c) => c.op === OP_I32_DIV_U && /\(\d+,0\)$/.test(c.source) && post(c) === STATUS_TRAPPED],
  [
    "i32DivSignedOverflow_traps",
    (c) => c.op === OP_I32_DIV_S && c.source.endsWith("(2147483648,4294967295)") && post(c) === STATUS_TRAPPED,
  ],
  ["i64RemByZero_traps", (c) => c.op === OP_I64_REM_S && /\(\d+,0\)$/.test(c.source) && post(c) === STATUS_TRAPPED],
  ["loadOutOfBounds_traps", (c) => isLoad(c) && post(c) === STATUS_TRAPPED],
  ["storeOutOfBounds_traps", (c) => isStore(c) && post(c) === STATUS_TRAPPED],
  ["loadAcrossLeaves_readsTwoLeaves", (c) => isLoad(c) && c.accesses === 5],
  ["storeAcrossLeaves_writesTwoLeaves", (c) => c.op === OP_I64_STORE && c.accesses === 5],
  ["unreachable_traps", (c) => c.op === OP_TRAP],
  ["halt_halts", (c) => c.op === OP_HALT],
  ["halted_isFixedPoint", (c) => c.op === "fixed" && c.preWitness[W_STATUS] === STATUS_HALTED],
  ["trapped_isFixedPoint", (c) => c.op === "fixed" && c.preWitness[W_STATUS] === STATUS_TRAPPED],
  ["stepCap_traps", (c) => c.op === "cap"],
  [
    "callStackExhausted_traps",
    (c) => c.source === "corpus:recursion.exhaustion" && c.op === OP_CALL && post(c) === STATUS_TRAPPED,
  ],
  ["callIndirectNull_traps", (c) => c.source === "corpus:call_indirect(3)" && post(c) === STATUS_TRAPPED],
  ["callIndirect_calls", (c) => c.op === OP_CALL_INDIRECT && post(c) !== STATUS_TRAPPED],
  ["return_returns", (c) => c.op === OP_RETURN && post(c) !== STATUS_TRAPPED],
  ["brTable_branches", (c) => c.op === OP_BR_TABLE],
  ["memoryGrow_steps", (c) => c.op === OP_MEMORY_GROW && post(c) !== STATUS_TRAPPED],
];

const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");

function toVector(c: StepCase, name: string): Vector {
  return {
    accesses: c.accesses,
    name,
    op: c.op === "fixed" ? -1 : c.op === "cap" ? -2 : c.op,
    postStateHash: hex(c.postStateHash),
    postStatus: c.postStateHash[0]!, // a 32-byte hash, status in its top byte
    preStateHash: hex(hashWitness(c.preWitness)),
    preWitness: hex(c.preWitness),
    proof: hex(c.proof),
    source: c.source,
    step: c.step,
  };
}

/** The file of a case: its opcode's, or step_cap.json for the cap and the fixed points. */
function fileOf(c: StepCase): string {
  return typeof c.op === "number" ? `op_0x${c.op.toString(16).padStart(2, "0")}.json` : "step_cap.json";
}

/**
 * Every vector, by file: the named cases (each the first corpus state its predicate picks) in
 * their opcode's file, then up to `PER_OP` running and `PER_OP` trapping cases per opcode, and in
 * step_cap.json the first step cap and the first trapped and halted fixed points; kernel_dot.json
 * has every step of the dot-product kernel, ending in its halted fixed point; named.json repeats
 * the named cases, in `NAMED` order, for the tests that pick them by name.
 */
export function goldenVectors(): Map<string, Vector[]> {
  const files = new Map<string, Vector[]>();
  const add = (file: string, v: Vector) => files.set(file, [...(files.get(file) ?? []), v]);
  const cases = corpusCases();
  const chosen = new Map<StepCase, string>();
  for (const [name, pick] of NAMED) {
    const c = cases.find((x) => !chosen.has(x) && pick(x));
    if (!c) throw new Error(`no corpus step for the named vector ${name}`);
    chosen.set(c, name);
  }
  const kept = new Map<string, number>();
  for (const c of cases) {
    if (chosen.has(c) || typeof c.op !== "number") continue; // step_cap.json: its named cases only
    const key = `${c.op}:${post(c) === STATUS_TRAPPED ? "trap" : "run"}`;
    const n = kept.get(key) ?? 0;
    if (n >= PER_OP) continue;
    kept.set(key, n + 1);
    chosen.set(c, `${c.source} step ${c.step}`);
  }
  for (const c of cases) if (chosen.has(c)) add(fileOf(c), toVector(c, chosen.get(c)!));
  const named = new Map([...files.values()].flat().map((v) => [v.name, v]));
  files.set(
    "named.json",
    NAMED.map(([name]) => named.get(name)!),
  );
  const kernel: StepCase[] = [];
  runProving(Machine.create(loadProgram(wat(KERNEL_WAT)), { entry: "run" }), "kernel:dot", kernel);
  for (const c of kernel) add("kernel_dot.json", toVector(c, `${c.source} step ${c.step}`));
  return files;
}

export function serialize(vs: Vector[]): string {
  return JSON.stringify({ vectors: vs }, null, 1) + "\n";
}

/** Every committed vector as a step case, once (named.json repeats others): the gas bench replays them. */
export function readGoldenVectors(dir = VECTOR_DIR): StepCase[] {
  const out: StepCase[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "named.json");
  for (const f of files.sort()) {
    const { vectors } = JSON.parse(readFileSync(join(dir, f), "utf8")) as { vectors: Vector[] };
    for (const v of vectors)
      out.push({
        source: `${f}:${v.name}`,
        op: v.op === -1 ? "fixed" : v.op === -2 ? "cap" : v.op,
        step: v.step,
        preWitness: Buffer.from(v.preWitness.slice(2), "hex"),
        proof: Buffer.from(v.proof.slice(2), "hex"),
        postStateHash: Buffer.from(v.postStateHash.slice(2), "hex"),
        accesses: v.accesses,
      });
  }
  return out;
}

export const README = `# VM golden vectors

Written by \`npx tsx vm/tools/goldenVectors.ts\` (do not edit; vm/test/goldenVectors.test.ts fails
when they are stale, and replays them with the TypeScript verifier);
contracts/test/vm/VmGoldenVectors.t.sol and contracts/test/vm/StepVerifier.t.sol replay them with
the contract. Each file is \`{"vectors": [...]}\`; each vector is one VM step:

| field           | meaning                                                                     |
| --------------- | --------------------------------------------------------------------------- |
| \`accesses\`      | leaf accesses in the proof                                                   |
| \`name\`          | the case's name when a forge test picks it by name, else its source and step |
| \`op\`            | the flat opcode executed (docs/protocol.md §5.3); -1 for a halted/trapped fixed point, -2 for the step that hits the step cap |
| \`postStateHash\` | the state hash after the step (status in the top byte), hex                  |
| \`postStatus\`    | status after the step: 0 running, 1 halted, 2 trapped                       |
| \`preStateHash\`  | the state hash of \`preWitness\`, hex                                          |
| \`preWitness\`    | the packed state witness before the step (§5.2), hex                         |
| \`proof\`         | the one-step proof (§5.4): 992 bytes per leaf access, in step order, hex     |
| \`source\`        | the program and call: \`corpus:\` a case of vm/corpus/opcodeCorpus.ts and its arguments, \`cap:\` the step-cap run, \`kernel:\` the dot-product kernel |
| \`step\`          | the step number k (pre-state = after k steps)                                |

\`IStepVerifier.step(preWitness, proof)\` must return \`postStateHash\` for every vector. Files:
\`op_0xNN.json\` per flat opcode a program's steps execute (the named cases, and a few running and
trapping cases each), \`step_cap.json\` (a step that hits the step cap, a trapped and a halted fixed
point), \`kernel_dot.json\` (every step of a small int8 dot-product kernel, ending in its halted
fixed point), and \`named.json\`: the cases contracts/test/vm/StepVerifier.t.sol picks by name,
again (each is also in its opcode's file or in step_cap.json).
`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(VECTOR_DIR, { recursive: true });
  const files = goldenVectors();
  for (const f of readdirSync(VECTOR_DIR)) if (f.endsWith(".json") && !files.has(f)) rmSync(join(VECTOR_DIR, f));
  let n = 0;
  for (const [file, vs] of files) {
    writeFileSync(join(VECTOR_DIR, file), serialize(vs));
    n += vs.length;
  }
  writeFileSync(join(VECTOR_DIR, "README.md"), README);
  console.log(`wrote ${n} vectors to ${VECTOR_DIR}`);
}
