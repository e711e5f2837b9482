import type { Program } from "./loader/loadProgram.ts";
import { WasmInstantiationError, VmUsageError } from "./errors.ts";
import { execute } from "./execute.ts";
import { runTiered } from "./jit/runTiered.ts";
import { CHUNK_SHIFT, newMemoryTree, syncTree } from "./syncTree.ts";
import { checkStepCount, encodeWitness, hashWitness, type Registers } from "./witness.ts";
import type { SparseMerkleTree } from "../commitment/SparseMerkleTree.ts";
import { I32, MAX_PAGES, type ValType } from "./loader/WasmModule.ts";
import { STATUS_HALTED, STATUS_RUNNING, STATUS_TRAPPED, STACK_SLOTS, MAX_CALL_DEPTH } from "./layout.ts";

export const PAGE_BYTES = 65536;
/** Default step cap of a run (the dispute's level-2 range is 2^32 steps). */
export const DEFAULT_STEP_LIMIT = 2 ** 32;

export interface MachineOptions {
  /** Exported function to run. */
  entry: string;
  /** Arguments, as int64 BigInts (an i32 argument is taken modulo 2^32). */
  args?: bigint[];
  /** Linear memory size in pages (default: the module's minimum). */
  memoryPages?: number;
  /** Writes into linear memory after the data segments (the node input). */
  writes?: { address: number; bytes: Uint8Array }[];
  /** Step cap: the step after `stepLimit` steps traps. */
  stepLimit?: number;
  /** Run the module's start function first, in the same trace (default true). */
  runStart?: boolean;
  /**
   * "tiered" (default): hot functions compiled to JavaScript, the interpreter elsewhere, the same
   * state at every step; "interpreter": `execute.ts` only (the differential tests' reference).
   */
  executor?: Executor;
  /** Tiered: steps a function runs in the interpreter before it is compiled (0: at once). */
  hotSteps?: number;
}

export type Executor = "tiered" | "interpreter";

/** Steps a function runs interpreted before the tiered executor compiles it. */
export const DEFAULT_HOT_STEPS = 20000;

/**
 * The fast VM: flat code over typed arrays, no hashing. Its state is exactly the state
 * witness registers plus the contents of the memory regions of docs/protocol.md §5;
 * `vm/MerkleState.ts` puts it into the Merkle memory on demand.
 */
export class Machine {
  // Registers (the state witness, minus the memory root).
  pc = 0;
  sp = 0;
  fp = 0;
  depth = 0;
  pages = 0;
  maxPages: number;
  tableSize: number;
  steps = 0;
  stepLimit = DEFAULT_STEP_LIMIT;
  status = STATUS_RUNNING;
  /** Boot stub of the entry export, recorded in the program header leaf (docs/protocol.md §5.1.1). */
  entryBootPc = 0xffffffff;
  /** Why the machine trapped (diagnostics only, not part of the state). */
  trapReason = "";
  /** How `run` executes (not part of the state: both give the same state at every step). */
  executor: Executor = "tiered";
  hotSteps = DEFAULT_HOT_STEPS;

  // Memory regions.
  readonly code: Int32Array;
  readonly funcRecords: Int32Array;
  readonly table: Int32Array;
  readonly globals: Int32Array;
  readonly frames = new Int32Array(MAX_CALL_DEPTH * 2);
  readonly stack = new Int32Array(STACK_SLOTS * 2);
  mem: Uint8Array;
  view: DataView;
  /** One flag byte per 1 KiB chunk of linear memory: bit 0 = written since the last tree sync, bit 1 = since the last snapshot. */
  memDirty: Uint8Array;
  /** Slots [0, stackHigh) of the value stack and frames [0, framesHigh) may be non-zero. */
  stackHigh = 0;
  framesHigh = 0;
  globalsDirty = true;

  private constructor(readonly program: Program) {
    const m = program.module;
    this.code = program.code;
    this.funcRecords = program.funcRecords;
    this.maxPages = m.memory ? (m.memory.max ?? MAX_PAGES) : 0;
    this.tableSize = m.table ? m.table.min : 0;
    this.table = new Int32Array(this.tableSize).fill(-1);
    this.globals = new Int32Array(m.globals.length * 2);
    m.globals.forEach((g, i) => {
      this.globals[2 * i] = g.lo;
      this.globals[2 * i + 1] = g.hi;
    });
    this.pages = 0;
    this.mem = new Uint8Array(0);
    this.view = new DataView(this.mem.buffer);
    this.memDirty = new Uint8Array(0);
  }

  /**
   * Instantiates `program`: globals, table (element segments), linear memory (data segments),
   * then positions the machine at the call of `opts.entry`. Throws WasmInstantiationError when a
   * segment does not fit, VmUsageError for a bad entry or argument list.
   */
  static create(program: Program, opts: MachineOptions): Machine {
    const m = Machine.instantiate(program, opts.memoryPages);
    for (const w of opts.writes ?? []) m.writeMemory(w.address, w.bytes);
    const useStart = opts.runStart ?? true;
    m.prepareCall(opts.entry, opts.args ?? [], useStart);
    m.entryBootPc = m.pc;
    if (opts.stepLimit !== undefined) m.stepLimit = checkStepCount(opts.stepLimit, "stepLimit");
    if (opts.executor !== undefined) {
      if (opts.executor !== "tiered" && opts.executor !== "interpreter")
        throw new VmUsageError(`unknown executor "${String(opts.executor)}"`, { details: "tiered or interpreter" });
      m.executor = opts.executor;
    }
    if (opts.hotSteps !== undefined) m.hotSteps = checkStepCount(opts.hotSteps, "hotSteps");
    return m;
  }

  /** Applies segments; the machine is halted until `invoke` or `prepareCall`. */
  static instantiate(program: Program, memoryPages?: number): Machine {
    const mac = new Machine(program);
    const mod = program.module;
    const pages = memoryPages ?? (mod.memory ? mod.memory.min : 0);
    if (!mod.memory && pages !== 0)
      throw new VmUsageError("module has no memory", { details: `asked for ${pages} pages` });
    if (mod.memory && (pages < mod.memory.min || pages > mac.maxPages))
      throw new VmUsageError("memory size outside the module's limits", {
        details: `${pages} pages, limits [${mod.memory.min}, ${mac.maxPages}]`,
      });
    mac.setPages(pages);
    for (const [i, e] of mod.elems.entries()) {
      if (e.offset + e.funcs.length > mac.tableSize)
        throw new WasmInstantiationError("out of bounds table access: element segment does not fit", {
          details: `segment ${i}: offset ${e.offset} + ${e.funcs.length} > table size ${mac.tableSize}`,
        });
      mac.table.set(e.funcs, e.offset);
    }
    for (const [i, d] of mod.datas.entries()) {
      if (d.offset + d.bytes.length > mac.mem.length)
        throw new WasmInstantiationError("out of bounds memory access: data segment does not fit", {
          details: `segment ${i}: offset ${d.offset} + ${d.bytes.length} > ${mac.mem.length} bytes`,
        });
      mac.writeMemory(d.offset, d.bytes);
    }
    mac.status = STATUS_HALTED;
    return mac;
  }

  /** Resizes linear memory (fresh pages are zero). */
  setPages(pages: number): void {
    const bytes = pages * PAGE_BYTES;
    if (bytes !== this.mem.length) {
      let next: Uint8Array;
      try {
        next = new Uint8Array(bytes);
      } catch (cause) {
        throw new VmUsageError("cannot allocate linear memory", { details: `${pages} pages`, cause });
      }
      next.set(this.mem.subarray(0, Math.min(bytes, this.mem.length)));
      this.mem = next;
      this.view = new DataView(next.buffer);
      const dirty = new Uint8Array(Math.ceil(bytes / 2 ** CHUNK_SHIFT));
      dirty.set(this.memDirty.subarray(0, Math.min(dirty.length, this.memDirty.length)));
      this.memDirty = dirty;
    }
    this.pages = pages;
  }

  writeMemory(address: number, bytes: Uint8Array): void {
    if (!Number.isInteger(address) || address < 0 || address + bytes.length > this.mem.length)
      throw new VmUsageError("memory write out of bounds", {
        details: `[${address}, ${address + bytes.length}) outside ${this.mem.length} bytes`,
      });
    this.mem.set(bytes, address);
    if (bytes.length > 0)
      this.memDirty.fill(3, address >>> CHUNK_SHIFT, ((address + bytes.length - 1) >>> CHUNK_SHIFT) + 1);
  }

  readMemory(address: number, length: number): Uint8Array {
    if (!Number.isInteger(address) || address < 0 || address + length > this.mem.length)
      throw new VmUsageError("memory read out of bounds", {
        details: `[${address}, ${address + length}) outside ${this.mem.length} bytes`,
      });
    return this.mem.slice(address, address + length);
  }

  /** Positions a fresh call of export `name` with `args` (state kept from earlier calls). */
  prepareCall(name: string, args: bigint[], withStart = false): void {
    const e = this.program.module.exports.get(name);
    if (!e || e.kind !== "func") throw new VmUsageError(`no exported function "${name}"`);
    // decodeModule checked the export's index, and the function's type index.
    const f = this.program.funcs[e.index]!;
    if (args.length !== f.nparams)
      throw new VmUsageError(`wrong argument count for "${name}"`, {
        details: `expected ${f.nparams}, got ${args.length}`,
      });
    const start = withStart && this.program.module.start !== null;
    const boot = start ? this.program.bootWithStart.get(e.index) : this.program.boot.get(e.index);
    const mod = this.program.module;
    this.callAt(boot!, args, mod.types[mod.funcTypes[e.index]!]!.params);
  }

  /** Positions a call of the start function (conformance: instantiation runs it). */
  prepareStart(): boolean {
    const s = this.program.module.start;
    if (s === null) return false;
    this.callAt(this.program.boot.get(s)!, [], []);
    return true;
  }

  private callAt(pc: number, args: bigint[], types: ValType[]): void {
    args.forEach((a, i) => {
      this.stack[2 * i] = Number(BigInt.asIntN(32, a));
      this.stack[2 * i + 1] = types[i] === I32 ? 0 : Number(BigInt.asIntN(32, a >> 32n));
    });
    this.pc = pc;
    this.sp = args.length;
    this.fp = 0;
    this.depth = 0;
    this.steps = 0;
    this.status = STATUS_RUNNING;
    this.trapReason = "";
    if (this.sp > this.stackHigh) this.stackHigh = this.sp;
  }

  /**
   * Runs at most `n` steps (fewer if it halts or traps). Returns the number of steps taken.
   * `n` is a non-negative integer (or Infinity); the step limit an integer in [0, 2^64).
   */
  run(n = Number.MAX_SAFE_INTEGER): number {
    if (n !== Infinity) checkStepCount(n, "step count");
    checkStepCount(this.stepLimit, "stepLimit");
    return this.executor === "interpreter" ? execute(this, n) : runTiered(this, n, this.hotSteps);
  }

  get halted(): boolean {
    return this.status === STATUS_HALTED;
  }

  get trapped(): boolean {
    return this.status === STATUS_TRAPPED;
  }

  /** The registers of the state witness. */
  registers(): Registers {
    const { pc, sp, fp, depth, pages, maxPages, tableSize, steps, stepLimit, status } = this;
    return { pc, sp, fp, depth, pages, maxPages, tableSize, steps, stepLimit, status };
  }

  private tree: SparseMerkleTree | null = null;

  /** The Merkle memory, synced with the typed arrays (only changed leaves are rewritten). */
  memoryTree(): SparseMerkleTree {
    const first = this.tree === null;
    if (first) this.tree = newMemoryTree();
    syncTree(this, this.tree!, first);
    return this.tree!;
  }

  /** The state witness (docs/protocol.md §5.2). */
  witness(): Uint8Array {
    return encodeWitness(this.registers(), this.memoryTree().root());
  }

  /** The state hash: status in the top byte (docs/protocol.md §5.2). */
  stateHash(): Uint8Array {
    return hashWitness(this.witness());
  }

  /** The value stack slot `i` as an unsigned 64-bit BigInt. */
  slot(i: number): bigint {
    const lo = this.stack[2 * i];
    const hi = this.stack[2 * i + 1];
    if (lo === undefined || hi === undefined) throw new VmUsageError(`no value stack slot ${i}`);
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  /** Results of the halted call: `n` slots from the bottom of the stack. */
  results(n: number): bigint[] {
    return Array.from({ length: n }, (_, i) => this.slot(i));
  }
}
