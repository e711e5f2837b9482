import { parseWast, type SExpr } from "./parseWast.ts";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { WasmLoadError, WasmUnsupportedError, WasmInstantiationError } from "../errors.ts";
import { wat } from "../corpus/wat.ts";

/** Outcome of one .wast script. passed + failed + refused = the commands the VM is asked to handle. */
export interface WastResult {
  passed: number;
  failed: number;
  refused: number;
  /** Text-format assertions (`module quote`, or text wabt cannot encode): they test a text parser, not the VM. */
  textOnly: number;
  failures: string[];
  /** Refusal reason (the unsupported feature) → count. */
  refusals: Map<string, number>;
}

/** Steps allowed per invocation in conformance runs. */
const STEP_LIMIT = 50_000_000;

type Mod = { machine: Machine } | { refused: string };

class TextOnly extends Error {}

function atom(e: SExpr | undefined): string | null {
  return e && e.kind === "atom" ? e.value : null;
}

/** Turns a `(module ...)` form into a binary (text through wabt). Throws TextOnly when wabt rejects the text. */
function moduleBytes(src: string, e: SExpr & { kind: "list" }): Uint8Array {
  let k = 1;
  if (atom(e.items[k])?.startsWith("$")) k++;
  const mode = atom(e.items[k]);
  if (mode === "binary" || mode === "quote") {
    const parts = e.items.slice(k + 1).map((s) => (s.kind === "string" ? s.bytes : new Uint8Array()));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.length;
    }
    if (mode === "binary") return bytes;
    return textToBinary(`(module ${new TextDecoder().decode(bytes)})`);
  }
  return textToBinary(src.slice(e.start, e.end));
}

function textToBinary(text: string): Uint8Array {
  try {
    return wat(text);
  } catch (cause) {
    throw new TextOnly(String(cause));
  }
}

/** Parses a literal such as `0x8000_0000`, `-1`, `+0x7f` as a BigInt. */
function parseInt64(text: string): bigint {
  const t = text.replace(/_/g, "");
  const neg = t.startsWith("-");
  const body = t.replace(/^[+-]/, "");
  const v = BigInt(body);
  return neg ? -v : v;
}

/** A typed constant `(i32.const N)`; null for a type the VM does not support. */
function constValue(e: SExpr): { type: string; value: bigint } | null {
  if (e.kind !== "list") return null;
  const op = atom(e.items[0]);
  if (op === "i32.const") return { type: "i32", value: BigInt.asUintN(32, parseInt64(atom(e.items[1])!)) };
  if (op === "i64.const") return { type: "i64", value: BigInt.asUintN(64, parseInt64(atom(e.items[1])!)) };
  return null;
}

/** Runs one .wast script against the VM. */
export function runWast(src: string, name = "script"): WastResult {
  const res: WastResult = { passed: 0, failed: 0, refused: 0, textOnly: 0, failures: [], refusals: new Map() };
  const mods = new Map<string, Mod>();
  let current: Mod | null = null;

  const refuse = (why: string) => {
    res.refused++;
    const key = why.split(":")[0]!; // split returns at least one part
    res.refusals.set(key, (res.refusals.get(key) ?? 0) + 1);
  };
  const fail = (e: SExpr, why: string) => {
    res.failed++;
    if (e.kind === "list") res.failures.push(`${name}: ${src.slice(e.start, Math.min(e.end, e.start + 160))} — ${why}`);
  };

  /** Loads + instantiates (running the start function). Returns a Mod or throws the load/instantiation error. */
  const instantiate = (bytes: Uint8Array): Mod => {
    const p = loadProgram(bytes);
    const m = Machine.instantiate(p);
    if (m.prepareStart()) {
      m.stepLimit = STEP_LIMIT;
      m.run();
      if (!m.halted) throw new WasmInstantiationError(`start function trapped: ${m.trapReason}`);
    }
    return { machine: m };
  };

  /** Performs an action; returns the machine after the call, or a refusal reason. */
  const act = (
    e: SExpr | undefined,
  ): { m: Machine; nresults: number; global?: bigint } | { refused: string } | { error: string } => {
    if (e?.kind !== "list") return { error: "malformed action" };
    const kind = atom(e.items[0]);
    let k = 1;
    let mod = current;
    const first = atom(e.items[1]);
    if (first?.startsWith("$")) {
      mod = mods.get(first) ?? null;
      k++;
    }
    if (!mod) return { error: "no module" };
    if ("refused" in mod) return { refused: mod.refused };
    const fname = e.items[k];
    if (fname?.kind !== "string") return { error: "malformed action name" };
    const exportName = new TextDecoder().decode(fname.bytes);
    const m = mod.machine;
    if (kind === "get") {
      const ex = m.program.module.exports.get(exportName);
      if (!ex || ex.kind !== "global") return { error: `no global export ${exportName}` };
      const g = ex.index; // decodeModule checked it: `globals` holds two words a global
      const v = (BigInt(m.globals[2 * g + 1]! >>> 0) << 32n) | BigInt(m.globals[2 * g]! >>> 0);
      return { m, nresults: 0, global: v };
    }
    const args: bigint[] = [];
    for (const a of e.items.slice(k + 1)) {
      const c = constValue(a);
      if (!c) return { refused: `argument type ${a.kind === "list" ? atom(a.items[0]) : "?"}` };
      args.push(c.value);
    }
    const ex = m.program.module.exports.get(exportName);
    if (!ex || ex.kind !== "func") return { error: `no function export ${exportName}` };
    m.prepareCall(exportName, args);
    m.stepLimit = STEP_LIMIT;
    m.run();
    return { m, nresults: m.program.funcs[ex.index]!.nresults }; // prepareCall found the function
  };

  for (const cmd of parseWast(src)) {
    if (cmd.kind !== "list") continue;
    const head = atom(cmd.items[0]);
    try {
      switch (head) {
        case "module": {
          const id = atom(cmd.items[1]);
          let mod: Mod;
          try {
            mod = instantiate(moduleBytes(src, cmd));
            res.passed++;
          } catch (err) {
            if (err instanceof WasmUnsupportedError) {
              mod = { refused: err.feature };
              refuse(err.feature);
            } else if (err instanceof TextOnly) {
              mod = { refused: "text" };
              fail(cmd, `wabt could not encode the module: ${err.message}`);
            } else {
              mod = { refused: "error" };
              fail(cmd, `module did not load: ${(err as Error).message}`);
            }
          }
          current = mod;
          if (id?.startsWith("$")) mods.set(id, mod);
          break;
        }
        case "register":
          break; // imports are refused, so registered names are never looked up
        case "invoke":
        case "get": {
          const r = act(cmd);
          if ("refused" in r) refuse(r.refused);
          else if ("error" in r) fail(cmd, r.error);
          else if (r.m.trapped) fail(cmd, `trapped: ${r.m.trapReason}`);
          else res.passed++;
          break;
        }
        case "assert_return": {
          const r = act(cmd.items[1]);
          if ("refused" in r) {
            refuse(r.refused);
            break;
          }
          if ("error" in r) {
            fail(cmd, r.error);
            break;
          }
          const expected = cmd.items.slice(2);
          const exp = expected.map(constValue);
          if (exp.some((x) => x === null)) {
            refuse(`result type ${expected.map((x) => (x.kind === "list" ? atom(x.items[0]) : "?")).join(" ")}`);
            break;
          }
          if (r.global !== undefined) {
            if (r.global === exp[0]!.value) res.passed++;
            else fail(cmd, `global is ${r.global}`);
            break;
          }
          if (!r.m.halted) {
            fail(cmd, `did not halt: ${r.m.trapReason}`);
            break;
          }
          const got = r.m.results(exp.length);
          if (r.m.sp !== exp.length) fail(cmd, `stack height ${r.m.sp} after return, expected ${exp.length}`);
          else if (exp.every((x, i) => got[i] === x!.value)) res.passed++;
          else fail(cmd, `got ${got.join(" ")}`);
          break;
        }
        case "assert_trap":
        case "assert_exhaustion": {
          const target = cmd.items[1];
          const msg = cmd.items[2]?.kind === "string" ? new TextDecoder().decode(cmd.items[2].bytes) : "";
          if (target?.kind === "list" && atom(target.items[0]) === "module") {
            try {
              instantiate(moduleBytes(src, target));
              fail(cmd, "module instantiated");
            } catch (err) {
              if (err instanceof WasmUnsupportedError) refuse(err.feature);
              else if (err instanceof WasmInstantiationError) res.passed++;
              else fail(cmd, `wrong error: ${(err as Error).message}`);
            }
            break;
          }
          const r = act(target);
          if ("refused" in r) refuse(r.refused);
          else if ("error" in r) fail(cmd, r.error);
          else if (!r.m.trapped) fail(cmd, "did not trap");
          else if (!r.m.trapReason.includes(msg)) fail(cmd, `trapped with "${r.m.trapReason}"`);
          else res.passed++;
          break;
        }
        case "assert_invalid":
        case "assert_malformed":
        case "assert_unlinkable":
        case "assert_uninstantiable": {
          const target = cmd.items[1] as SExpr & { kind: "list" };
          let bytes: Uint8Array;
          try {
            bytes = moduleBytes(src, target);
          } catch (err) {
            if (err instanceof TextOnly) {
              res.textOnly++;
              break;
            }
            throw err;
          }
          try {
            instantiate(bytes);
            fail(cmd, "module was accepted");
          } catch (err) {
            if (err instanceof WasmUnsupportedError) refuse(err.feature);
            else if (err instanceof WasmLoadError || err instanceof WasmInstantiationError) res.passed++;
            else fail(cmd, `untyped error: ${String(err)}`);
          }
          break;
        }
        default:
          fail(cmd, `unknown command ${head}`);
      }
    } catch (err) {
      fail(cmd, `runner error: ${(err as Error).stack}`);
    }
  }
  return res;
}
