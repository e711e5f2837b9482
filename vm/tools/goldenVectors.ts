/**
 * Golden vectors for the on-chain step verifier (contracts issue): `{preWitness, proof,
 * postStateHash}` for every flat opcode the VM executes (several operand cases each, traps
 * included) and for every step of a small kernel. `npx tsx vm/tools/goldenVectors.ts` writes
 * contracts/test/vectors/vm/*.json; vm/test/goldenVectors.test.ts checks the files are current.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { proveNext } from "../Trace.ts";
import { verifyStep } from "../stepProof.ts";
import { opcodeCorpus } from "../corpus/opcodeCorpus.ts";
import { wat } from "../corpus/wat.ts";
import { INSTR_BYTES } from "../layout.ts";

export const VECTOR_DIR = fileURLToPath(new URL("../../contracts/test/vectors/vm/", import.meta.url));

export interface Vector {
  /** What the step executes: flat opcode name/number and the corpus case. */
  op: number;
  case: string;
  step: number;
  /** Status after the step: 0 running, 1 halted, 2 trapped. */
  postStatus: number;
  preWitness: string;
  proof: string;
  postStateHash: string;
}

const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
/** Cases kept per flat opcode (trapping steps are always kept, up to the same number per opcode). */
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

function opAt(m: Machine): number {
  return m.code[m.pc * (INSTR_BYTES / 4)];
}

/** Every vector, grouped by file name. */
export function goldenVectors(): Map<string, Vector[]> {
  const files = new Map<string, Vector[]>();
  const add = (file: string, v: Vector) => {
    if (!files.has(file)) files.set(file, []);
    files.get(file)!.push(v);
  };
  const proveOne = (m: Machine, name: string): Vector => {
    const op = m.status === 0 ? opAt(m) : -1;
    const pr = proveNext(m);
    if (hex(verifyStep(pr.preWitness, pr.proof)) !== hex(pr.postStateHash))
      throw new Error(`vector ${name} does not verify`);
    return {
      op,
      case: name,
      step: pr.step,
      postStatus: m.status,
      preWitness: hex(pr.preWitness),
      proof: hex(pr.proof),
      postStateHash: hex(pr.postStateHash),
    };
  };

  const { wat: text, cases } = opcodeCorpus();
  const m = Machine.instantiate(loadProgram(wat(text)));
  const kept = new Map<string, number>();
  for (const c of cases) {
    if (c.name === "recursion.exhaustion") continue;
    for (const args of c.inputs) {
      m.prepareCall(c.name, args);
      while (m.status === 0) {
        const op = opAt(m);
        const willTrapKey = `${op}`;
        const n = kept.get(willTrapKey) ?? 0;
        const before = m.steps;
        if (n < PER_OP) {
          const v = proveOne(m, `${c.name}(${args.join(",")})`);
          kept.set(willTrapKey, n + 1);
          add(`op_0x${op.toString(16).padStart(2, "0")}.json`, v);
        } else {
          m.run(1);
          if (m.trapped) {
            // re-prove trapping steps for this opcode too, up to PER_OP of them
            const tk = `trap:${op}`;
            const tn = kept.get(tk) ?? 0;
            if (tn < PER_OP) {
              m.prepareCall(c.name, args);
              m.run(before);
              add(`op_0x${op.toString(16).padStart(2, "0")}.json`, proveOne(m, `${c.name}(${args.join(",")}) trap`));
              kept.set(tk, tn + 1);
            }
          }
        }
      }
    }
  }
  // A step cap: the step that traps for hitting stepLimit, and the fixed points after it.
  m.prepareCall("loop", [5n]);
  m.stepLimit = 4;
  m.run(4);
  add("step_cap.json", proveOne(m, "loop(5) with stepLimit 4"));
  add("step_cap.json", proveOne(m, "trapped fixed point"));
  m.prepareCall("i32.const", []);
  m.run();
  add("step_cap.json", proveOne(m, "halted fixed point"));

  // Every step of the small kernel.
  const k = Machine.create(loadProgram(wat(KERNEL_WAT)), { entry: "run" });
  while (k.status === 0) add("kernel_dot.json", proveOne(k, "dot product kernel"));
  add("kernel_dot.json", proveOne(k, "dot product kernel, halted fixed point"));
  return files;
}

export function serialize(vs: Vector[]): string {
  return JSON.stringify({ vectors: vs }, null, 1) + "\n";
}

const README = `# VM golden vectors

Written by \`npx tsx vm/tools/goldenVectors.ts\` (do not edit; vm/test/goldenVectors.test.ts fails when
they are stale). Each file is \`{"vectors": [...]}\`; each vector is one VM step:

| field           | meaning                                                                     |
| --------------- | --------------------------------------------------------------------------- |
| \`op\`            | the flat opcode executed (docs/protocol.md §5.3); -1 for a halted/trapped fixed point |
| \`case\`          | the corpus case (vm/corpus/opcodeCorpus.ts) and its arguments                |
| \`step\`          | the step number k (pre-state = after k steps)                                |
| \`postStatus\`    | status after the step: 0 running, 1 halted, 2 trapped                       |
| \`preWitness\`    | the packed state witness before the step (§5.2), hex                         |
| \`proof\`         | the one-step proof (§5.4): 992 bytes per leaf access, in step order, hex     |
| \`postStateHash\` | the state hash after the step (status in the top byte), hex                  |

\`IStepVerifier.step(preWitness, proof)\` must return \`postStateHash\` for every vector. Files:
\`op_0xNN.json\` per flat opcode (a few operand cases each, trapping cases included),
\`step_cap.json\` (a step that hits stepLimit, trapped and halted fixed points), \`kernel_dot.json\`
(every step of a small int8 dot-product kernel, ending in its halted fixed point).
`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(VECTOR_DIR, { recursive: true });
  let n = 0;
  for (const [file, vs] of goldenVectors()) {
    writeFileSync(join(VECTOR_DIR, file), serialize(vs));
    n += vs.length;
  }
  writeFileSync(join(VECTOR_DIR, "README.md"), README);
  console.log(`wrote ${n} vectors to ${VECTOR_DIR}`);
}
