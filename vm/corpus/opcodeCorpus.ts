/**
 * A module that exercises every opcode the VM accepts, one exported function per case, and the
 * operand values each case is run with (edge values included, traps included): one case per
 * numeric, load and store instruction of the opcode table (vm/opcodeTable.ts), then cases for the
 * parametric, variable, memory, constant and control instructions. Used by the fast-vs-reference
 * lockstep test, the V8 differential test and the golden-vector pipeline.
 */
import { flatOpcodesOfKind, type OpcodeSpec } from "../opcodeTable.ts";
import { I64, type ValType } from "../loader/WasmModule.ts";

const I32_EDGE = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 31n, 32n, 33n, 0x12345678n];
const I64_EDGE = [
  0n,
  1n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
  63n,
  64n,
  0x100000000n,
  0xfedcba9876543210n,
];

export interface Case {
  /** Export name. */
  name: string;
  /** Argument lists to run it with. */
  inputs: bigint[][];
}

function pairs(vals: bigint[]): bigint[][] {
  const out: bigint[][] = [];
  for (const [i, a] of vals.entries())
    for (let j = 0; j < vals.length; j += 3) out.push([a, vals[(i + j) % vals.length]!]);
  return out;
}

/** The corpus module's text and its cases. */
export function opcodeCorpus(): { wat: string; cases: Case[] } {
  const funcs: string[] = [];
  const cases: Case[] = [];
  const add = (name: string, sig: string, body: string, inputs: bigint[][]) => {
    funcs.push(`(func (export "${name}") ${sig} ${body})`);
    cases.push({ name, inputs });
  };
  const type = (t: ValType) => (t === I64 ? "i64" : "i32");
  const edges = (t: ValType) => (t === I64 ? I64_EDGE : I32_EDGE);
  // the one pair whose signed division overflows: the most negative value by -1
  const OVERFLOW = (t: ValType) => (t === I64 ? [1n << 63n, (1n << 64n) - 1n] : [1n << 31n, (1n << 32n) - 1n]);
  const signature = (spec: OpcodeSpec) => {
    const [result] = spec.results;
    return `(param ${spec.params.map(type).join(" ")})` + (result !== undefined ? ` (result ${type(result)})` : "");
  };
  for (const spec of flatOpcodesOfKind("test", "compare", "unary", "binary", "convert")) {
    const args = spec.params.map((_, i) => `(local.get ${i})`).join(" ");
    const t = spec.params[0]!; // each of these kinds takes one or two operands
    const inputs = spec.params.length === 2 ? [...pairs(edges(t)), OVERFLOW(t)] : edges(t).map((v) => [v]);
    add(spec.wasm!, signature(spec), `(${spec.wasm} ${args})`, inputs);
  }
  // Addresses around leaf boundaries (27 + 3: a load across two leaves), the page end, far out.
  const addrs = [0n, 1n, 27n, 29n, 31n, 65528n, 65535n, 65536n, 0xfffffff0n].map((a): [bigint] => [a]);
  for (const spec of flatOpcodesOfKind("load"))
    add(spec.wasm!, signature(spec), `(${spec.wasm} offset=3 (local.get 0))`, addrs);
  for (const spec of flatOpcodesOfKind("store")) {
    const v = spec.params[1] === I64 ? 0x0123456789abcdefn : 0x89abcdefn;
    add(
      spec.wasm!,
      signature(spec),
      `(${spec.wasm} offset=2 (local.get 0) (local.get 1))`,
      addrs.map(([a]) => [a, v]),
    );
  }
  add("memory.size", "(result i32)", "(memory.size)", [[]]);
  add("memory.grow", "(param i32) (result i32)", "(memory.grow (local.get 0))", [[0n], [1n], [3n], [0x10000n]]);
  add("memory.size.after_grow", "(result i32)", "(memory.size)", [[]]);
  add("select", "(param i64 i64 i32) (result i64)", "(select (local.get 0) (local.get 1) (local.get 2))", [
    [5n, 7n, 0n],
    [5n, 7n, 9n],
  ]);
  add("drop", "(param i32) (result i32)", "(drop (i32.const 9)) (local.get 0)", [[4n]]);
  add(
    "local.tee",
    "(param i32) (result i32) (local i64)",
    "(local.set 1 (i64.const -1)) (i32.add (local.tee 0 (i32.const 5)) (local.get 0))",
    [[4n], [9n]],
  );
  add("global", "(param i64) (result i64)", "(global.set $g (i64.add (global.get $g) (local.get 0))) (global.get $g)", [
    [3n],
    [0xffffffffffffffffn],
  ]);
  add("i32.const", "(result i32)", "(i32.const -7)", [[]]);
  add("i64.const", "(result i64)", "(i64.const -0x123456789)", [[]]);
  add("unreachable", "", "(unreachable)", [[]]);
  add(
    "block.br",
    "(param i32) (result i32)",
    "(block (result i32) (i32.const 1) (i32.const 2) (br 0)) (local.get 0) (i32.add)",
    [[1n]],
  );
  add(
    "br_if",
    "(param i32) (result i32)",
    "(block (result i32) (i32.const 10) (i32.const 11) (local.get 0) (br_if 0) (drop)) ",
    [[0n], [1n]],
  );
  add(
    "br_table",
    "(param i32) (result i32)",
    "(block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 100))) (return (i32.const 101))) (i32.const 102)",
    [[0n], [1n], [2n], [7n], [0xffffffffn]],
  );
  add(
    "if.else",
    "(param i32) (result i32)",
    "(if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))",
    [[0n], [5n]],
  );
  add(
    "loop",
    "(param i32) (result i32) (local i32)",
    "(block (loop (br_if 1 (i32.eqz (local.get 0))) (local.set 1 (i32.add (local.get 1) (local.get 0))) (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0))) (local.get 1)",
    [[5n]],
  );
  add("call", "(param i64) (result i64)", "(call $fac (local.get 0))", [[5n], [0n]]);
  // table entries 0, 1 call; 2 has another type; 3 is null; 9 is past the table
  add("call_indirect", "(param i32) (result i32)", "(call_indirect (type $ii) (i32.const 6) (local.get 0))", [
    [0n],
    [1n],
    [2n],
    [3n],
    [9n],
  ]);
  add("return", "(param i32) (result i32)", "(block (return (i32.const 3))) (i32.const 4)", [[0n]]);
  add("recursion.exhaustion", "", "(call $forever)", [[]]);
  const wat = `(module
  (memory 1 3)
  (type $ii (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $double $inc $fac)
  (global $g (mut i64) (i64.const 40))
  (data (i32.const 0) "\\01\\82\\03\\84\\05\\86\\07\\88\\09\\8a\\0b\\8c\\0d\\8e\\0f\\90")
  (data (i32.const 65520) "\\ff\\fe\\fd\\fc\\fb\\fa\\f9\\f8\\f7\\f6\\f5\\f4\\f3\\f2\\f1\\f0")
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $fac (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func $forever (call $forever))
  ${funcs.join("\n  ")}
)`;
  return { wat, cases };
}
