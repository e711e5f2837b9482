// The component build's core module: dnn-lib's kernels (assembly/index.ts, the
// SIMD build) plus the canonical-ABI glue of dnn.wit's `opml:dnn/kernels`.
// build.ts renames the exports below to the names wit-component expects
// (AssemblyScript cannot export a name with ':' or '#'); see EXPORT_NAMES there.
//
// Memory: 0x10000 is the kernels' node descriptor (docs/protocol.md), data and
// globals sit below it. From 0x20000 up, a stack of allocations: each weights
// resource keeps the region the host lowered its tensors into (copied once, by
// the constructor's lowering); above the newest one, an arena holds one call's
// lowered arguments and its result and is reset by the post-return functions.
import { run } from "../assembly/index";

const DESC: usize = 0x10000;
const HEAP_BASE: usize = 0x20000;
const MAX_OPERANDS: u32 = 6;
const MAX_PARAMS: u32 = 28;
/** Every allocation is 64-byte aligned (SIMD loads, same as the core NativeRunner). */
const ALIGN: u64 = 64;

// A weights block (its rep): tensor count, table of (ptr, len), byte total, the
// stack top before it, the previous block, live flag.
const W_COUNT: usize = 0;
const W_TABLE: usize = 4;
const W_BYTES: usize = 8;
const W_BASE: usize = 16;
const W_PREV: usize = 20;
const W_LIVE: usize = 24;
const W_SIZE: usize = 32;

// kernel-error cases, in dnn.wit order.
const E_UNKNOWN_WEIGHT: u8 = 0;
const E_TOO_MANY_OPERANDS: u8 = 1;
const E_TOO_MANY_PARAMS: u8 = 2;
const E_OUT_OF_MEMORY: u8 = 3;

@external("[export]opml:dnn/kernels@0.1.0", "[resource-new]weights")
declare function resourceNew(rep: u32): i32;

/** End of the resident weights; the arena starts here. */
let top: usize = HEAP_BASE;
let arena: usize = HEAP_BASE;
/** The newest weights block (0: none). */
let newest: usize = 0;

let weightsCreated: u32 = 0;
let weightsLive: u32 = 0;
let residentBytes: u64 = 0;
let nodesRun: u64 = 0;
let activationBytesIn: u64 = 0;
let outputBytesOut: u64 = 0;

/** Bump-allocates `size` bytes in the arena, growing memory; 0 when memory cannot grow that far. */
function tryBump(size: u64, align: u64): usize {
  const a: u64 = align > ALIGN ? align : ALIGN;
  const ptr: u64 = (<u64>arena + a - 1) & ~(a - 1);
  const end: u64 = ptr + size;
  if (end > 0xffff_0000) return 0;
  const pages = <i32>((end + 0xffff) >> 16);
  const have = memory.size();
  if (pages > have && memory.grow(pages - have) < 0) return 0;
  arena = <usize>end;
  return <usize>ptr;
}

/** The canonical ABI's allocator: the host lowers every list argument through it. */
export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (oldPtr != 0 && newSize <= oldSize) return oldPtr;
  const p = tryBump(<u64>newSize, <u64>align);
  if (p == 0) unreachable();
  if (oldPtr != 0) memory.copy(p, oldPtr, oldSize);
  return p;
}

/** constructor(tensors: list<list<u8>>): the lowered tensors stay where they are. */
export function weights_constructor(table: usize, count: u32): i32 {
  let bytes: u64 = 0;
  for (let k: u32 = 0; k < count; k++) bytes += <u64>load<u32>(table + (<usize>k << 3), 4);
  const rec = tryBump(<u64>W_SIZE, 8);
  if (rec == 0) unreachable();
  store<u32>(rec + W_COUNT, count);
  store<u32>(rec + W_TABLE, <u32>table);
  store<u64>(rec + W_BYTES, bytes);
  store<u32>(rec + W_BASE, <u32>top);
  store<u32>(rec + W_PREV, <u32>newest);
  store<u32>(rec + W_LIVE, 1);
  top = arena;
  newest = rec;
  weightsCreated++;
  weightsLive++;
  residentBytes += bytes;
  return resourceNew(<u32>rec);
}

export function weights_count(rep: usize): u32 {
  return load<u32>(rep + W_COUNT);
}

export function weights_byte_length(rep: usize): u64 {
  return load<u64>(rep + W_BYTES);
}

/** A dropped block's memory is reused once every block above it is dropped too. */
export function weights_dtor(rep: usize): void {
  store<u32>(rep + W_LIVE, 0);
  weightsLive--;
  residentBytes -= load<u64>(rep + W_BYTES);
  while (newest != 0 && load<u32>(newest + W_LIVE) == 0) {
    top = load<u32>(newest + W_BASE);
    newest = load<u32>(newest + W_PREV);
  }
  arena = top;
}

/** result<list<u8>, kernel-error>: tag at 0, payload at 8; kernel-error's own tag at 8, payload at 16. */
function fail(ret: usize, tag: u8, a: u64, b: u32 = 0): usize {
  store<u8>(ret, 1);
  store<u8>(ret + 8, tag);
  if (tag == E_OUT_OF_MEMORY) store<u64>(ret + 16, a);
  else {
    store<u32>(ret + 16, <u32>a);
    store<u32>(ret + 20, b);
  }
  return ret;
}

/**
 * run-node(w, node): writes the node descriptor (operands: resident weights by
 * address, activations where the host lowered them), zeroes the output and
 * scratch, runs the kernel and returns the output bytes.
 */
export function run_node(
  w: usize,
  op: u32,
  operands: usize,
  nOperands: u32,
  params: usize,
  nParams: u32,
  outputLength: u32,
  scratchLength: u32,
): usize {
  const ret = tryBump(24, 8);
  if (ret == 0) unreachable();
  if (nOperands > MAX_OPERANDS) return fail(ret, E_TOO_MANY_OPERANDS, nOperands);
  if (nParams > MAX_PARAMS) return fail(ret, E_TOO_MANY_PARAMS, nParams);
  const count = load<u32>(w + W_COUNT);
  const table = <usize>load<u32>(w + W_TABLE);
  memory.fill(DESC, 0, 256);
  let bytesIn: u64 = 0;
  for (let j: u32 = 0; j < nOperands; j++) {
    const e = operands + <usize>(j * 12);
    const at = DESC + 16 + (<usize>j << 4);
    if (load<u8>(e) == 0) {
      const k = load<u32>(e, 4);
      if (k >= count) return fail(ret, E_UNKNOWN_WEIGHT, k, count);
      store<u32>(at, load<u32>(table + (<usize>k << 3)));
      store<u32>(at, load<u32>(table + (<usize>k << 3), 4), 4);
      store<u32>(at, 1, 8);
      store<u32>(at, k, 12);
    } else {
      store<u32>(at, load<u32>(e, 4));
      store<u32>(at, load<u32>(e, 8), 4);
      bytesIn += <u64>load<u32>(e, 8);
    }
  }
  const out = tryBump(<u64>outputLength, ALIGN);
  const scratch = scratchLength > 0 ? tryBump(<u64>scratchLength, ALIGN) : 0;
  if (out == 0 || (scratchLength > 0 && scratch == 0))
    return fail(ret, E_OUT_OF_MEMORY, <u64>arena + <u64>outputLength + <u64>scratchLength);
  memory.fill(out, 0, outputLength);
  if (scratchLength > 0) memory.fill(scratch, 0, scratchLength);
  store<u32>(DESC, 1);
  store<u32>(DESC, op, 4);
  store<u32>(DESC, nOperands, 8);
  store<u32>(DESC, nParams, 12);
  store<u32>(DESC, <u32>out, 112);
  store<u32>(DESC, outputLength, 116);
  store<u32>(DESC, <u32>scratch, 128);
  store<u32>(DESC, scratchLength, 132);
  for (let i: u32 = 0; i < nParams; i++) store<i32>(DESC + 144 + (<usize>i << 2), load<i32>(params + (<usize>i << 2)));
  run();
  nodesRun++;
  activationBytesIn += bytesIn;
  outputBytesOut += <u64>outputLength;
  store<u8>(ret, 0);
  store<u32>(ret + 8, <u32>out);
  store<u32>(ret + 12, outputLength);
  return ret;
}

/** Post-returns: the call's arguments and result are lifted; the arena is free again. */
export function run_node_post(_ret: usize): void {
  arena = top;
}
export function stats_post(_ret: usize): void {
  arena = top;
}

/** kernel-stats, fields at 0, 4, 8, 16, 24, 32, 40. */
export function stats(): usize {
  const ret = tryBump(48, 8);
  if (ret == 0) unreachable();
  store<u32>(ret, weightsCreated);
  store<u32>(ret + 4, weightsLive);
  store<u64>(ret + 8, residentBytes);
  store<u64>(ret + 16, nodesRun);
  store<u64>(ret + 24, activationBytesIn);
  store<u64>(ret + 32, outputBytesOut);
  store<u64>(ret + 40, <u64>memory.size() << 16);
  return ret;
}
