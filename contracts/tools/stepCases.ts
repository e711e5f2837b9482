/**
 * Real one-step proofs taken from the TypeScript VM, for the on-chain verifier's differential test
 * (test/stepDiff.test.ts), its golden vectors (contracts/tools/writeVmVectors.ts) and its gas bench
 * (bench/contracts.ts). Every case is a state the VM actually reached, proved by `proveNext`
 * (vm/Trace.ts), which also checks the reference step against the fast interpreter.
 *
 * Sources: the opcode corpus (vm/corpus), the WebAssembly spec-test modules (their invocations),
 * small random programs generated here, and nodes of the dnn-lib VM build when it is built.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadProgram, type Program } from "../../vm/loader/loadProgram.ts";
import { Machine } from "../../vm/Machine.ts";
import { proveNext } from "../../vm/Trace.ts";
import { opcodeCorpus } from "../../vm/corpus/opcodeCorpus.ts";
import { parseWast, type SExpr } from "../../vm/conformance/parseWast.ts";
import { SPEC_DIR } from "../../vm/conformance/runSpecSuite.ts";
import { wat } from "../../vm/corpus/wat.ts";
import { STATUS_RUNNING } from "../../vm/layout.ts";
import { Rng } from "../../common/rng.ts";

/** A PRNG as the plain `() => [0, 1)` function the generators below take. */
const nextOf = (r: Rng) => () => r.next();

export interface StepCase {
  /** Where the state comes from (program and call). */
  source: string;
  /** The flat opcode at pc, or "fixed" (halted/trapped state) or "cap" (step cap reached). */
  op: number | "fixed" | "cap";
  preWitness: Uint8Array;
  proof: Uint8Array;
  postStateHash: Uint8Array;
  /** Leaf accesses in the proof. */
  accesses: number;
}

const DNN_VM = fileURLToPath(new URL("../../dnn-lib/build/kernels-vm.wasm", import.meta.url));

/** The class of an opcode, for coverage and gas rows. */
export function opClass(op: StepCase["op"]): string {
  if (op === "fixed") return "fixed point (halted/trapped)";
  if (op === "cap") return "step cap";
  if (op === 0x00 || op === 0xf0 || op === 0xf1) return "trap/halt";
  if (op === 0x04 || op === 0x0c || op === 0x0d || op === 0x0e) return "branch";
  if (op === 0x0f) return "return";
  if (op === 0x10) return "call";
  if (op === 0x11) return "call_indirect";
  if (op === 0x1a || op === 0x1b) return "drop/select";
  if (op >= 0x20 && op <= 0x22) return "local";
  if (op === 0x23 || op === 0x24) return "global";
  if (op >= 0x28 && op <= 0x35) return "load";
  if (op >= 0x36 && op <= 0x3e) return "store";
  if (op === 0x3f || op === 0x40) return "memory.size/grow";
  if (op === 0x41 || op === 0x42) return "const";
  if ((op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a)) return "compare";
  if ((op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a)) return "binary";
  return "unary/test/convert";
}

function opAt(m: Machine): StepCase["op"] {
  if (m.status !== STATUS_RUNNING) return "fixed";
  if (m.steps >= m.stepLimit) return "cap";
  return m.program.code[4 * m.pc] >>> 0;
}

/** Proves the next step of `m` (advancing it). */
export function proveCase(m: Machine, source: string): StepCase {
  const op = opAt(m);
  const p = proveNext(m);
  return {
    source,
    op,
    preWitness: p.preWitness,
    proof: p.proof,
    postStateHash: p.postStateHash,
    accesses: p.accesses.length,
  };
}

/**
 * Steps `m` to its end, proving every step while `every` (a sampling rate ≥ 1) allows, plus one
 * step of the final state (the fixed point). `maxProved` bounds the cases taken.
 */
function runProving(
  m: Machine,
  source: string,
  out: StepCase[],
  opts: { every?: number; maxProved?: number; maxSteps?: number; rand?: () => number } = {},
): void {
  const every = opts.every ?? 1;
  const rand = opts.rand ?? Math.random;
  let proved = 0;
  const maxProved = opts.maxProved ?? Infinity;
  const maxSteps = opts.maxSteps ?? 100_000;
  for (let i = 0; i < maxSteps && m.status === STATUS_RUNNING && proved < maxProved; ) {
    if (every > 1) {
      // skip a random gap (mean `every - 1` steps) with the fast interpreter
      const gap = Math.min(Math.floor(rand() * 2 * (every - 1)), maxSteps - i - 1);
      i += m.run(gap);
      if (m.status !== STATUS_RUNNING) break;
    }
    out.push(proveCase(m, source));
    proved++;
    i++;
  }
  if (m.status !== STATUS_RUNNING) out.push(proveCase(m, source));
}

/** Every case of the VM's opcode corpus, every step (edge operands, traps included). */
export function corpusCases(): StepCase[] {
  const { wat: text, cases } = opcodeCorpus();
  const p = loadProgram(wat(text));
  const out: StepCase[] = [];
  // One instance for all calls, as in the spec tests: memory and globals carry over.
  const m = Machine.instantiate(p);
  for (const c of cases)
    for (const args of c.inputs) {
      if (c.name === "recursion.exhaustion") continue; // taken separately below, sampled
      m.prepareCall(c.name, args);
      runProving(m, `corpus:${c.name}(${args.join(",")})`, out, { maxSteps: 5000 });
    }
  // Call-stack exhaustion: run fast to just before the limit, then prove the trapping call.
  const deep = cases.find((c) => c.name === "recursion.exhaustion");
  if (deep) {
    const d = Machine.instantiate(p);
    d.prepareCall(deep.name, deep.inputs[0] ?? []);
    let guard = 0;
    while (d.status === STATUS_RUNNING && d.depth < 16383 && guard++ < 10_000_000) d.run(1);
    runProving(d, "corpus:recursion.exhaustion", out, { maxSteps: 50 });
  }
  // The step cap.
  const spin = Machine.instantiate(loadProgram(wat(`(module (func (export "spin") (loop (br 0))))`)));
  spin.prepareCall("spin", []);
  spin.stepLimit = 5;
  runProving(spin, "cap:spin", out, { maxSteps: 10 });
  return out;
}

function atom(e: SExpr | undefined): string | null {
  return e && e.kind === "atom" ? e.value : null;
}

function constArg(e: SExpr): bigint | null {
  if (e.kind !== "list") return null;
  const op = atom(e.items[0]);
  const text = atom(e.items[1])?.replace(/_/g, "");
  if (!text) return null;
  const neg = text.startsWith("-");
  const v = BigInt(text.replace(/^[+-]/, ""));
  if (op === "i32.const") return BigInt.asUintN(32, neg ? -v : v);
  if (op === "i64.const") return BigInt.asUintN(64, neg ? -v : v);
  return null;
}

/**
 * States from the spec-test scripts: every module the VM accepts, every `invoke` with integer
 * arguments (in assert_return/assert_trap/invoke commands), proved at a sampled rate.
 */
export function specCases(budget: number, seed = 1): StepCase[] {
  const rand = nextOf(new Rng(seed));
  const files = readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith(".wast"))
    .sort();
  const out: StepCase[] = [];
  const perFile = Math.max(1, Math.floor(budget / files.length));
  for (const f of files) {
    const src = readFileSync(SPEC_DIR + f, "utf8");
    let current: Machine | null = null;
    const start = out.length;
    let cmds: SExpr[];
    try {
      cmds = parseWast(src);
    } catch {
      continue;
    }
    for (const cmd of cmds) {
      if (out.length - start >= perFile) break;
      if (cmd.kind !== "list") continue;
      const head = atom(cmd.items[0]);
      if (head === "module") {
        current = null;
        const mode = atom(cmd.items[1])?.startsWith("$") ? atom(cmd.items[2]) : atom(cmd.items[1]);
        if (mode === "binary" || mode === "quote") continue;
        try {
          const p: Program = loadProgram(wat(src.slice(cmd.start, cmd.end)));
          const m = Machine.instantiate(p);
          if (m.prepareStart()) {
            m.run(1_000_000);
            if (!m.halted) continue;
          }
          current = m;
        } catch {
          current = null;
        }
        continue;
      }
      let action: SExpr | undefined = cmd;
      if (head === "assert_return" || head === "assert_trap" || head === "assert_exhaustion") action = cmd.items[1];
      else if (head !== "invoke") continue;
      if (!current || action?.kind !== "list" || atom(action.items[0]) !== "invoke") continue;
      let k = 1;
      if (atom(action.items[1])?.startsWith("$")) continue; // named-module actions: skipped
      const name = action.items[k++];
      if (name.kind !== "string") continue;
      const args = action.items.slice(k).map(constArg);
      if (args.some((a) => a === null)) continue;
      const exportName = new TextDecoder().decode(name.bytes);
      const ex = current.program.module.exports.get(exportName);
      if (!ex || ex.kind !== "func") continue;
      try {
        current.prepareCall(exportName, args as bigint[]);
      } catch {
        continue;
      }
      current.stepLimit = current.steps + 200_000;
      const rate = head === "assert_exhaustion" ? 2000 : 3;
      runProving(current, `spec:${f}:${exportName}`, out, {
        every: rate,
        maxProved: 40,
        maxSteps: 200_000,
        rand,
      });
      if (current.status === STATUS_RUNNING) current.run(); // finish the call, unproved
    }
  }
  return out;
}

const I32_BIN = "add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr".split(" ");
const CMP = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u".split(" ");
const I32_UN = "clz ctz popcnt eqz extend8_s extend16_s".split(" ");
const I64_UN = "clz ctz popcnt extend8_s extend16_s extend32_s".split(" ");
const LOADS32 = "load load8_s load8_u load16_s load16_u".split(" ");
const LOADS64 = "load load8_s load8_u load16_s load16_u load32_s load32_u".split(" ");
const STORES32 = "store store8 store16".split(" ");
const STORES64 = "store store8 store16 store32".split(" ");

/** The text of a random program (seeded): a mix of every instruction class over two locals. */
export function randomProgram(seed: number): string {
  const r = nextOf(new Rng(seed));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const i32 = () =>
    String(
      pick([0, 1, 2, 31, 32, -1, 0x7fffffff, -0x80000000, Math.floor(r() * 2 ** 32) - 2 ** 31, Math.floor(r() * 64)]),
    );
  const i64 = () =>
    pick(["0", "1", "-1", "63", "0x7fffffffffffffff", "-0x8000000000000000", String(Math.floor(r() * 2 ** 53))]);
  const addr = () => `(i32.and (local.get 0) (i32.const ${pick([0xff, 0x3ff, 0xffff, 0x1f])}))`;
  const stmts: string[] = [];
  const n = 8 + Math.floor(r() * 24);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 16);
    switch (k) {
      case 0:
      case 1: {
        const op = pick(I32_BIN);
        const y = op.startsWith("div") || op.startsWith("rem") ? `(i32.or (i32.const ${i32()}) (i32.const 1))` : `(i32.const ${i32()})`;
        stmts.push(`(local.set 0 (i32.${op} (local.get 0) ${y}))`);
        break;
      }
      case 2: {
        const op = pick(I32_BIN);
        const y = op.startsWith("div") || op.startsWith("rem") ? `(i64.or (i64.const ${i64()}) (i64.const 1))` : `(i64.const ${i64()})`;
        stmts.push(`(local.set 1 (i64.${op} (local.get 1) ${y}))`);
        break;
      }
      case 3:
        stmts.push(`(local.set 0 (i32.${pick(CMP)} (local.get 0) (i32.const ${i32()})))`);
        stmts.push(`(local.set 0 (i32.add (local.get 0) (i64.${pick(CMP)} (local.get 1) (i64.const ${i64()}))))`);
        break;
      case 4:
        stmts.push(`(local.set 0 (i32.${pick(I32_UN)} (local.get 0)))`);
        stmts.push(`(local.set 1 (i64.${pick(I64_UN)} (local.get 1)))`);
        stmts.push(`(local.set 0 (i32.add (i64.eqz (local.get 1)) (i32.wrap_i64 (local.get 1))))`);
        stmts.push(
          `(local.set 1 (i64.add (i64.extend_i32_s (local.get 0)) (i64.extend_i32_u (local.get 0))))`,
        );
        break;
      case 5:
        stmts.push(
          `(i64.${pick(STORES64)} offset=${pick([0, 1, 7, 29, 31])} ${addr()} (i64.add (local.get 1) (i64.const ${i64()})))`,
        );
        stmts.push(`(i32.${pick(STORES32)} offset=${pick([0, 3, 30])} ${addr()} (local.get 0))`);
        break;
      case 6:
        stmts.push(`(local.set 0 (i32.add (local.get 0) (i32.${pick(LOADS32)} offset=${pick([0, 2, 30, 31])} ${addr()})))`);
        stmts.push(`(local.set 1 (i64.xor (local.get 1) (i64.${pick(LOADS64)} offset=${pick([0, 5, 28])} ${addr()})))`);
        break;
      case 7:
        stmts.push(`(global.set $g (i64.add (global.get $g) (local.get 1)))`);
        stmts.push(`(local.set 1 (i64.sub (local.get 1) (global.get $g)))`);
        break;
      case 8:
        stmts.push(
          `(local.set 0 (call_indirect (type $t) (local.get 0) (i32.const ${pick([0, 1, 1, 0, 0, 1, 2])})))`,
        );
        break;
      case 9:
        stmts.push(`(local.set 0 (call $f0 (local.tee 0 (i32.add (local.get 0) (i32.const 1)))))`);
        break;
      case 10:
        stmts.push(
          `(if (i32.and (local.get 0) (i32.const 1)) (then (local.set 1 (i64.mul (local.get 1) (i64.const 3)))) (else (local.set 0 (i32.const ${i32()}))))`,
        );
        break;
      case 11:
        stmts.push(
          `(block $b2 (block $b1 (block $b0 (br_table $b0 $b1 $b2 (i32.and (local.get 0) (i32.const 3)))) (local.set 0 (i32.const 5))) (local.set 1 (i64.const 9)))`,
        );
        break;
      case 12:
        stmts.push(
          `(local.set 0 (block (result i32) (loop $l (result i32) (local.set 1 (i64.add (local.get 1) (i64.const 1))) (br_if $l (i64.lt_u (i64.and (local.get 1) (i64.const 3)) (i64.const 2))) (local.get 0))))`,
        );
        break;
      case 13:
        stmts.push(`(local.set 0 (select (local.get 0) (i32.const ${i32()}) (i32.and (local.get 0) (i32.const 2))))`);
        stmts.push(`(drop (i64.const ${i64()}))`);
        break;
      case 14:
        stmts.push(`(local.set 0 (i32.add (local.get 0) (memory.grow (i32.const ${pick([0, 1, 2, 9])}))))`);
        stmts.push(`(local.set 0 (i32.add (local.get 0) (memory.size)))`);
        break;
      default:
        stmts.push(`(local.set 0 (block (result i32) (br_if 0 (i32.const 7) (local.get 0)) (drop) (i32.const 8)))`);
    }
  }
  if (r() < 0.05) stmts.push("(unreachable)");
  return `(module
  (type $t (func (param i32) (result i32)))
  (memory 1 4)
  (table 3 funcref)
  (elem (i32.const 0) $f0 $f1)
  (global $g (mut i64) (i64.const ${i64()}))
  (func $f0 (type $t) (i32.mul (local.get 0) (i32.const 3)))
  (func $f1 (type $t) (if (result i32) (local.get 0) (then (i32.xor (local.get 0) (i32.const 7))) (else (return (i32.const 1)))))
  (func (export "run") (param i32 i64) (result i64) (local i32)
    ${stmts.join("\n    ")}
    (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
)`;
}

/** Every step of `count` random programs from `seed` on random arguments. */
export function randomCases(count: number, seed = 7): StepCase[] {
  const out: StepCase[] = [];
  const r = nextOf(new Rng(seed ^ 0x9e3779b9));
  for (let i = 0; i < count; i++) {
    const p = loadProgram(wat(randomProgram(seed + i)));
    const m = Machine.instantiate(p);
    const a = BigInt(Math.floor(r() * 2 ** 32));
    const b = BigInt.asUintN(64, BigInt(Math.floor(r() * 2 ** 53)) * 4099n);
    m.prepareCall("run", [a, b]);
    runProving(m, `random:${seed + i}`, out, { maxSteps: 20_000 });
  }
  return out;
}

/** Sampled states of dnn-lib kernel runs in the VM build (when `npm run build:dnn` has built it). */
export async function dnnCases(budget: number, seed = 3): Promise<StepCase[]> {
  if (!existsSync(DNN_VM) || budget <= 0) return [];
  const { kernelProgram } = await import("../../phase/runInVm.ts");
  const { buildNodeInput, nodeSegments } = await import("../../dnn-lib/src/nodeInput.ts");
  const program = await kernelProgram();
  const i8 = (n: number, s: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + s) & 0xff);
  const i32s = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
  const nodes = [
    { op: 1, inputs: [i8(8, 1), i8(8, 2), i32s(5, -3), i32s(1 << 30, 1 << 29), i32s(3, 4)], params: [2, 2, 4] },
    { op: 7, inputs: [i8(40, 5)], params: [40] },
    { op: 19, inputs: [i8(33, 9)], params: [33] },
  ];
  const rand = nextOf(new Rng(seed));
  const out: StepCase[] = [];
  for (const [j, node] of nodes.entries()) {
    const image = buildNodeInput(node);
    const m = Machine.create(program, {
      entry: "run",
      memoryPages: image.pages,
      writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
    });
    const probe = Machine.create(program, {
      entry: "run",
      memoryPages: image.pages,
      writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
    });
    const total = probe.run();
    const share = Math.floor(budget / nodes.length);
    runProving(m, `dnn:op${node.op}#${j}`, out, { every: Math.max(1, total / share), maxProved: share, rand });
  }
  return out;
}
