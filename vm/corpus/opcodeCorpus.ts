/**
 * A module that exercises every opcode the VM accepts, one exported function per case, and the
 * operand values each case is run with (edge values included, traps included). Used by the
 * fast-vs-reference lockstep test, the V8 differential test and the golden-vector script.
 */

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

const I32_BIN = [
  "add",
  "sub",
  "mul",
  "div_s",
  "div_u",
  "rem_s",
  "rem_u",
  "and",
  "or",
  "xor",
  "shl",
  "shr_s",
  "shr_u",
  "rotl",
  "rotr",
  "eq",
  "ne",
  "lt_s",
  "lt_u",
  "gt_s",
  "gt_u",
  "le_s",
  "le_u",
  "ge_s",
  "ge_u",
];
const I32_UN = ["clz", "ctz", "popcnt", "eqz", "extend8_s", "extend16_s"];
const I64_BIN = I32_BIN;
const I64_UN = ["clz", "ctz", "popcnt", "extend8_s", "extend16_s", "extend32_s"];
const LOADS = [
  "i32.load",
  "i64.load",
  "i32.load8_s",
  "i32.load8_u",
  "i32.load16_s",
  "i32.load16_u",
  "i64.load8_s",
  "i64.load8_u",
  "i64.load16_s",
  "i64.load16_u",
  "i64.load32_s",
  "i64.load32_u",
];
const STORES = ["i32.store", "i64.store", "i32.store8", "i32.store16", "i64.store8", "i64.store16", "i64.store32"];

export interface Case {
  /** Export name. */
  name: string;
  /** Argument lists to run it with. */
  inputs: bigint[][];
}

function pairs(vals: bigint[]): bigint[][] {
  const out: bigint[][] = [];
  for (let i = 0; i < vals.length; i++)
    for (let j = 0; j < vals.length; j += 3) out.push([vals[i], vals[(i + j) % vals.length]]);
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
  for (const op of I32_BIN)
    add(`i32.${op}`, "(param i32 i32) (result i32)", `(i32.${op} (local.get 0) (local.get 1))`, pairs(I32_EDGE));
  for (const op of I32_UN)
    add(
      `i32.${op}`,
      "(param i32) (result i32)",
      `(i32.${op} (local.get 0))`,
      I32_EDGE.map((v) => [v]),
    );
  for (const op of I64_BIN) {
    const res = /^(eq|ne|lt|gt|le|ge)/.test(op) ? "i32" : "i64";
    add(`i64.${op}`, `(param i64 i64) (result ${res})`, `(i64.${op} (local.get 0) (local.get 1))`, pairs(I64_EDGE));
  }
  for (const op of I64_UN)
    add(
      `i64.${op}`,
      "(param i64) (result i64)",
      `(i64.${op} (local.get 0))`,
      I64_EDGE.map((v) => [v]),
    );
  add(
    "i64.eqz",
    "(param i64) (result i32)",
    "(i64.eqz (local.get 0))",
    I64_EDGE.map((v) => [v]),
  );
  add(
    "i32.wrap_i64",
    "(param i64) (result i32)",
    "(i32.wrap_i64 (local.get 0))",
    I64_EDGE.map((v) => [v]),
  );
  add(
    "i64.extend_i32_s",
    "(param i32) (result i64)",
    "(i64.extend_i32_s (local.get 0))",
    I32_EDGE.map((v) => [v]),
  );
  add(
    "i64.extend_i32_u",
    "(param i32) (result i64)",
    "(i64.extend_i32_u (local.get 0))",
    I32_EDGE.map((v) => [v]),
  );
  const addrs = [0n, 1n, 29n, 31n, 65528n, 65535n, 65536n, 0xfffffff0n].map((a) => [a]);
  for (const op of LOADS) {
    const t = op.slice(0, 3);
    add(op, `(param i32) (result ${t})`, `(${op} offset=3 (local.get 0))`, addrs);
  }
  for (const op of STORES) {
    const t = op.slice(0, 3);
    const v = t === "i32" ? 0x89abcdefn : 0x0123456789abcdefn;
    add(
      op,
      `(param i32 ${t})`,
      `(${op} offset=2 (local.get 0) (local.get 1))`,
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
  (table 3 funcref)
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
