import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { randomProgram } from "../corpus/randomProgram.ts";
import { Rng } from "../../common/rng.ts";
import { opcodeCorpus } from "../corpus/opcodeCorpus.ts";
import { wat } from "../corpus/wat.ts";

type Outcome = { trapped: boolean; result?: bigint; memory: Uint8Array; globals: bigint[] };

function runV8(
  bytes: Uint8Array,
  entry: string,
  args: (number | bigint)[],
  instance?: WebAssembly.Instance,
): [Outcome, WebAssembly.Instance] {
  const inst = instance ?? new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {});
  const ex = inst.exports;
  const f = ex[entry];
  if (typeof f !== "function") throw new Error(`no exported function ${entry}`);
  let trapped = false;
  let result: bigint | undefined;
  try {
    // An i32 is passed and returned as a number, an i64 as a BigInt.
    const r = (f as (...a: (number | bigint)[]) => unknown)(...args);
    if (typeof r === "number" || typeof r === "bigint") result = BigInt.asUintN(64, BigInt(r));
    else if (r !== undefined) throw new Error(`${entry} returned a ${typeof r}`);
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    trapped = true;
  }
  const mem = ex.memory;
  const memory = mem instanceof WebAssembly.Memory ? new Uint8Array(mem.buffer).slice() : new Uint8Array();
  const globals = Object.keys(ex)
    .filter((k) => /^g\d+$/.test(k))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((k) => {
      const v = (ex[k] as WebAssembly.Global<"i32" | "i64">).value; // the VM has only i32 and i64 globals
      return typeof v === "number" ? BigInt.asUintN(32, BigInt(v)) : BigInt.asUintN(64, v);
    });
  return [{ trapped, result, memory, globals }, inst];
}

function runVm(m: Machine, entry: string, args: bigint[], nresults: number): Outcome {
  m.prepareCall(entry, args);
  m.stepLimit = 10_000_000;
  m.run();
  assert.notEqual(m.status, 0, "VM run did not finish");
  const globals = Array.from(
    { length: m.globals.length / 2 },
    (_, i) => (BigInt(m.globals[2 * i + 1]! >>> 0) << 32n) | BigInt(m.globals[2 * i]! >>> 0),
  );
  return {
    trapped: m.trapped,
    result: m.halted && nresults ? m.results(1)[0] : undefined,
    memory: m.mem.slice(),
    globals,
  };
}

function same(a: Outcome, b: Outcome, what: string) {
  assert.equal(a.trapped, b.trapped, `${what}: V8 trapped ${a.trapped}, VM trapped ${b.trapped}`);
  if (!a.trapped) assert.equal(a.result, b.result, `${what}: result`);
  assert.ok(Buffer.from(a.memory).equals(Buffer.from(b.memory)), `${what}: linear memory differs`);
  assert.deepEqual(a.globals, b.globals, `${what}: globals`);
}

test("random programs: VM and V8 agree on results, traps, memory and globals", () => {
  const r = new Rng(42);
  let traps = 0;
  let runs = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const text = randomProgram(seed);
    const bytes = wat(text);
    const m = Machine.instantiate(loadProgram(bytes));
    let inst: WebAssembly.Instance | undefined;
    for (let i = 0; i < 3; i++) {
      const args = [
        BigInt.asIntN(64, BigInt(r.int(-1e9, 1e9)) * 0x100000001n),
        BigInt(r.pick([0, 1, -1, r.int(-5000, 5000)])),
      ];
      const [v8, instance] = runV8(bytes, "f", args, inst);
      inst = instance;
      const vm = runVm(
        m,
        "f",
        args.map((a) => BigInt.asUintN(64, a)),
        1,
      );
      same(v8, vm, `program ${seed} call ${i}`);
      runs++;
      if (v8.trapped) traps++;
    }
  }
  assert.ok(
    traps > 3 && traps < runs / 2,
    `${traps} traps in ${runs} runs: the generator should trap sometimes, not mostly`,
  );
});

test("opcode corpus: VM and V8 agree on every case", () => {
  const { wat: text, cases } = opcodeCorpus();
  const bytes = wat(
    text
      .replace("(memory 1 3)", '(memory (export "memory") 1 3)')
      .replace("(global $g (mut", '(global $g (export "g0") (mut'),
  );
  const p = loadProgram(bytes);
  const m = Machine.instantiate(p);
  let inst: WebAssembly.Instance | undefined;
  for (const c of cases) {
    if (c.name === "recursion.exhaustion") continue; // V8's stack limit differs by design
    const index = p.module.exports.get(c.name)!.index;
    const f = p.funcs[index]!;
    const t = p.module.types[p.module.funcTypes[index]!]!;
    for (const args of c.inputs) {
      const v8args = args.map((a, i) => (t.params[i] === 0x7f ? Number(BigInt.asIntN(32, a)) : BigInt.asIntN(64, a)));
      const [v8, instance] = runV8(bytes, c.name, v8args, inst);
      inst = instance;
      if (v8.result !== undefined && t.results[0] === 0x7f) v8.result = BigInt.asUintN(32, v8.result);
      same(v8, runVm(m, c.name, args, f.nresults), `${c.name}(${args})`);
    }
  }
});
