/**
 * How NativeRunner spreads a model over kernel instances, each one wasm32 linear memory of at
 * most `budget` bytes, planned from byte counts before any memory is allocated.
 *
 * Each node runs in one instance, which holds its weights, the slot it writes (its own slot, or the
 * whole cache it writes a block of) and a copy of every operand produced elsewhere. Nodes are
 * taken in order, each to the first of these with room: for a node that writes a cache, the
 * instance holding the cache's latest bytes; for a node with weights, an instance already holding
 * all of them (a generation model's later positions reuse its first position's layers); the
 * previous node's instance; the newest one; else a new one. A plain model thus splits into
 * contiguous node ranges, and no node is refused while it fits an instance by itself. An instance
 * that takes a set of weights keeps room (as far as its budget allows) for the activations of the
 * later nodes that use the same set — a generation model's later positions — so that they run
 * there rather than copy the weights into another instance.
 *
 * An activation produced in another instance is copied in right before the first node that reads
 * it there, once per run (a node writes its slot once). A cache is copied in before a node that
 * reads or writes it only where the instance's copy is older than the cache's last write. A slot
 * nothing has written yet (the input, a cache before its first write) starts in the first instance
 * that touches it, which zeroes such a cache at the start of a run.
 */
import { OPERANDS_BASE, PAGE_SIZE, SlotKind, scratchByteLength, type Region } from "../nodeInput.ts";
import { cacheOfSlot, cacheSlot, outputSlotOf, type Model } from "../model/Model.ts";
import { opInfo } from "../ops.ts";
import { InstanceMemoryError } from "./errors.ts";

/** Every region starts on a 64-byte boundary (SIMD loads). */
export const ALIGN = 64;
/** The default budget of one instance: a wasm32 address space less one page. */
export const DEFAULT_INSTANCE_BYTES = 2 ** 32 - PAGE_SIZE;

const span = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Activation slot `slot`'s `byteLength` bytes from `src` in instance `from` to `dst` in instance `to`. */
export interface Copy {
  slot: number;
  from: number;
  src: number;
  to: number;
  dst: number;
  byteLength: number;
}

export interface InstanceLayout {
  /** Bytes of linear memory it needs (the end of its last region). */
  bytes: number;
  /** Weight slot → region, for the weights it holds. */
  weights: Map<number, Region>;
  /** Activation slot (input, node output, cache) → region: the slots it owns and its copies. */
  slots: Map<number, Region>;
  /** The caches that start here, zeroed at the start of a run (activation slots). */
  caches: number[];
  scratch: Region;
}

export interface InstancePlan {
  instances: InstanceLayout[];
  /** The instance node i runs in. */
  nodeInstance: number[];
  /** The copies to make before node i runs. */
  copies: Copy[][];
  /** The instance holding the input (none if no node reads it). */
  inputInstance: number | undefined;
}

/** An instance being filled: what it holds, in placement order, and its byte count so far. */
class Draft {
  bytes = OPERANDS_BASE;
  scratch = 0;
  readonly weights = new Set<number>();
  readonly slots = new Set<number>();
  readonly caches: number[] = [];
  /** Room kept, per set of weights placed here, for the activations of that set's later nodes. */
  readonly reserved = new Map<string, number>();
  get total(): number {
    let kept = 0;
    for (const r of this.reserved.values()) kept += r;
    return this.bytes + span(this.scratch) + kept;
  }
}

/** What a node needs in an instance. */
interface Need {
  weights: number[];
  /** Activation slots it reads (each once). */
  reads: number[];
  /** The slot it writes: its own, or its cache's. */
  writes: number;
  scratch: number;
}

export function planInstances(
  model: Pick<Model, "name" | "nodes" | "weights" | "caches">,
  activationLengths: readonly number[],
  budget: number = DEFAULT_INSTANCE_BYTES,
): InstancePlan {
  if (!Number.isSafeInteger(budget) || budget <= OPERANDS_BASE || budget > 2 ** 32)
    throw new InstanceMemoryError(`instance budget ${budget} is not a usable linear memory size`, {
      details: `an integer number of bytes above ${OPERANDS_BASE} (where operands start), at most 2^32`,
    });
  const slotLength = (s: number): number => {
    const c = cacheOfSlot(model, s);
    return c !== undefined ? model.caches![c]! : activationLengths[s]!;
  };
  const drafts: Draft[] = [];
  /** The instance holding each slot's current bytes: its producer, or a cache's last writer. */
  const owner = new Map<number, number>();
  /** The last node that wrote each cache slot (-1: none), and which of those writes each copy holds. */
  const written = new Map<number, number>();
  const version = (s: number) => written.get(s) ?? -1;
  const held = new Map<string, number>();
  const nodeInstance: number[] = [];
  /** Per node, the slots to copy in before it runs, and from where. */
  const imports: { slot: number; from: number }[][] = [];

  // The nodes that use each set of weights (a generation model's positions repeat every layer's
  // nodes): an instance taking a set keeps room for the activations its later nodes bring, so
  // that they run there instead of copying the weights into another instance.
  const keyOf = (node: Model["nodes"][number]) =>
    [...new Set(node.inputs.filter((s) => s.kind === SlotKind.weight).map((s) => s.slot))]
      .sort((a, b) => a - b)
      .join(",");
  const ownBytes = (i: number): number => {
    const node = model.nodes[i]!;
    const writes = node.into ? cacheSlot(node.into.cache) : outputSlotOf(i);
    const slots = new Set([...node.inputs.filter((s) => s.kind === SlotKind.activation).map((s) => s.slot), writes]);
    let bytes = 0;
    for (const s of slots) if (cacheOfSlot(model, s) === undefined) bytes += span(slotLength(s));
    return bytes;
  };
  /** For node i: the activation bytes of the later nodes that use the same weights. */
  const future: number[] = new Array<number>(model.nodes.length).fill(0);
  const after = new Map<string, number>();
  for (let i = model.nodes.length - 1; i >= 0; i--) {
    const key = keyOf(model.nodes[i]!);
    if (!key) continue;
    future[i] = after.get(key) ?? 0;
    after.set(key, future[i]! + ownBytes(i));
  }
  /** Bytes of the (non-cache) activation slots node `n` would add to `d`. */
  const newActivation = (d: Draft, n: Need): number => {
    let bytes = 0;
    for (const s of new Set([...n.reads, n.writes]))
      if (!d.slots.has(s) && cacheOfSlot(model, s) === undefined) bytes += span(slotLength(s));
    return bytes;
  };
  let current = -1;
  const extra = (d: Draft, n: Need): number => {
    let bytes = 0;
    // Node `current` (when set) takes its set's kept room, or keeps room for its set's later nodes.
    const key = current >= 0 ? keyOf(model.nodes[current]!) : "";
    const kept = key ? d.reserved.get(key) : undefined;
    if (key && kept === undefined) bytes += future[current]!;
    if (kept !== undefined) bytes -= Math.min(kept, newActivation(d, n));
    for (const w of n.weights) if (!d.weights.has(w)) bytes += span(model.weights[w]!.length);
    for (const s of [...n.reads, n.writes]) if (!d.slots.has(s)) bytes += span(slotLength(s));
    // The growth of d.total: new bytes, kept room taken or added, and the scratch's growth.
    return bytes + span(Math.max(d.scratch, n.scratch)) - span(d.scratch);
  };
  const fits = (d: Draft | undefined, n: Need): d is Draft => d !== undefined && d.total + extra(d, n) <= budget;

  model.nodes.forEach((node, i) => {
    const writes = node.into ? cacheSlot(node.into.cache) : outputSlotOf(i);
    const n: Need = {
      weights: [...new Set(node.inputs.filter((s) => s.kind === SlotKind.weight).map((s) => s.slot))],
      reads: [...new Set(node.inputs.filter((s) => s.kind === SlotKind.activation).map((s) => s.slot))].filter(
        (s) => s !== writes,
      ),
      writes,
      scratch: scratchByteLength(node.op, node.params),
    };
    current = -1;
    const alone = extra(new Draft(), n) + OPERANDS_BASE;
    if (alone > budget) throw tooLarge(model, i, n, alone, budget, slotLength);
    current = i;
    const k = chooseInstance(drafts, n, i, owner, nodeInstance, fits, extra);
    if (k === drafts.length) drafts.push(new Draft());
    const d = drafts[k]!;
    const key = keyOf(node);
    if (key) {
      const kept = d.reserved.get(key);
      if (kept === undefined) {
        // A fresh instance keeps what room its budget leaves (the node itself always fits).
        current = -1;
        const room = budget - (d.total + extra(d, n));
        d.reserved.set(key, Math.max(0, Math.min(future[i]!, room)));
      } else d.reserved.set(key, Math.max(0, kept - newActivation(d, n)));
    }
    // Bring in what it reads, and the rest of a cache it writes a block of, unless already current here.
    const mine: { slot: number; from: number }[] = [];
    for (const s of node.into ? [...n.reads, writes] : n.reads) {
      const from = owner.get(s);
      if (from === undefined) {
        // Nothing wrote it yet: the input, or a cache (zeroed here at the start of a run).
        owner.set(s, k);
        if (cacheOfSlot(model, s) !== undefined) d.caches.push(s);
      } else if ((held.get(`${k}:${s}`) ?? -2) < version(s)) mine.push({ slot: s, from });
      held.set(`${k}:${s}`, version(s));
    }
    for (const w of n.weights)
      if (!d.weights.has(w)) {
        d.weights.add(w);
        d.bytes += span(model.weights[w]!.length);
      }
    for (const s of [...n.reads, writes])
      if (!d.slots.has(s)) {
        d.slots.add(s);
        d.bytes += span(slotLength(s));
      }
    d.scratch = Math.max(d.scratch, n.scratch);
    if (node.into) written.set(writes, i);
    owner.set(writes, k);
    held.set(`${k}:${writes}`, version(writes));
    nodeInstance.push(k);
    imports.push(mine);
  });

  const instances = drafts.map(layOut(model, slotLength));
  const copies = imports.map((slots, i) =>
    slots.map(({ slot, from }): Copy => {
      const to = nodeInstance[i]!;
      return {
        slot,
        from,
        src: instances[from]!.slots.get(slot)!.addr,
        to,
        dst: instances[to]!.slots.get(slot)!.addr,
        byteLength: slotLength(slot),
      };
    }),
  );
  return { instances, nodeInstance, copies, inputInstance: owner.get(0) };
}

/** Where node i runs (`drafts.length`: a new instance). */
function chooseInstance(
  drafts: Draft[],
  n: Need,
  i: number,
  owner: Map<number, number>,
  nodeInstance: number[],
  fits: (d: Draft | undefined, n: Need) => d is Draft,
  extra: (d: Draft, n: Need) => number,
): number {
  // A cache's writer goes where the cache is, if there is room (otherwise the cache is copied over).
  const cacheOwner = owner.get(n.writes);
  if (cacheOwner !== undefined && fits(drafts[cacheOwner], n)) return cacheOwner;
  if (n.weights.length > 0) {
    let best: number | undefined;
    drafts.forEach((d, k) => {
      if (n.weights.every((w) => d.weights.has(w)) && fits(d, n))
        if (best === undefined || extra(d, n) < extra(drafts[best]!, n)) best = k;
    });
    if (best !== undefined) return best;
  }
  const previous = i > 0 ? nodeInstance[i - 1]! : undefined;
  if (previous !== undefined && fits(drafts[previous], n)) return previous;
  if (fits(drafts[drafts.length - 1], n)) return drafts.length - 1;
  return drafts.length;
}

/** Places a draft's weights, then its slots, then its scratch, each on an ALIGN boundary. */
function layOut(model: Pick<Model, "weights">, slotLength: (s: number) => number) {
  return (d: Draft): InstanceLayout => {
    let cursor = OPERANDS_BASE;
    const place = (n: number): Region => {
      const addr = Math.ceil(cursor / ALIGN) * ALIGN;
      cursor = addr + n;
      return { addr, byteLength: n };
    };
    const weights = new Map([...d.weights].map((w) => [w, place(model.weights[w]!.length)]));
    const slots = new Map([...d.slots].map((s) => [s, place(slotLength(s))]));
    const scratch = d.scratch > 0 ? place(d.scratch) : { addr: 0, byteLength: 0 };
    return { bytes: cursor, weights, slots, caches: d.caches, scratch };
  };
}

/** A compiled model names defined ops only. */
const opName = (op: number) => opInfo(op).name;

function tooLarge(
  model: Pick<Model, "name" | "nodes" | "weights">,
  i: number,
  n: Need,
  alone: number,
  budget: number,
  slotLength: (s: number) => number,
): InstanceMemoryError {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return new InstanceMemoryError(
    `${model.name}: node ${i} (${opName(model.nodes[i]!.op)}) needs ${alone} bytes of linear memory, more than the ${budget}-byte budget of one kernel instance`,
    {
      details:
        `weights ${sum(n.weights.map((w) => model.weights[w]!.length))} bytes, ` +
        `activation operands ${sum(n.reads.map(slotLength))} bytes, ` +
        `output slot ${slotLength(n.writes)} bytes, scratch ${n.scratch} bytes, ` +
        `${OPERANDS_BASE} bytes below the operands`,
    },
  );
}
