/**
 * Which matmuls the native runner hands to onnxruntime's integer GEMM (OrtGemm), and where their
 * dot products wait for the kernels' requantization. Matmuls of weights that read the same input
 * slot (a layer's per-head query, key and value projections, an MLP's gate and up) are one GEMM
 * over their weights side by side: one call instead of dozens, each node's columns of its dot
 * products requantized when its turn comes. A group's dot products live in their own region from
 * its first node to its last; regions are reused once their group is done.
 */
import type { Region } from "../nodeInput.ts";
import { SlotKind } from "../nodeInput.ts";
import { Op } from "../ops.ts";
import { cacheOfSlot, type Model } from "../model/Model.ts";

/** One external GEMM: the matmul nodes sharing input slot `x` (M × K), their columns side by side. */
export interface GemmGroup {
  x: Region;
  M: number;
  K: number;
  /** Columns in all. */
  N: number;
  /** Each node and its first column, in node order. */
  members: { node: number; col: number; N: number }[];
  /** Where the dot products go, M rows of N int32: an offset into the regions planGemms places. */
  acc: number;
}

/**
 * Groups the matmuls of weights on a node's (or the input's) slot of M·K bytes, keeps the groups
 * of at least `minMacs` multiply-accumulates, in node order while their weights total at most
 * `maxBytes`, and places each group's dot products (64-byte aligned offsets from where the caller
 * puts them). Returns the groups in order of their first node, and the bytes the regions take.
 */
export function planGemms(
  model: Pick<Model, "nodes" | "caches">,
  slotRegion: (slot: number) => Region | undefined,
  minMacs: number,
  maxBytes = Infinity,
): { groups: GemmGroup[]; bytes: number } {
  const bySlot = new Map<number, GemmGroup>();
  model.nodes.forEach((node, i) => {
    const [x, w] = node.inputs;
    if (node.op !== Op.matmul || x!.kind === SlotKind.weight || w!.kind !== SlotKind.weight) return;
    if (cacheOfSlot(model, x!.slot) !== undefined) return;
    const [M, N, K] = node.params as [number, number, number];
    const region = slotRegion(x!.slot);
    if (!region || region.byteLength !== M * K) return;
    const g = bySlot.get(x!.slot);
    if (g && g.M === M && g.K === K) {
      g.members.push({ node: i, col: g.N, N });
      g.N += N;
    } else if (!g) bySlot.set(x!.slot, { x: region, M, K, N, members: [{ node: i, col: 0, N }], acc: 0 });
  });
  // A generation model's positions repeat a layer's matmuls on the same weights: those groups
  // share one GEMM (gemmKey), so their weights count once.
  const counted = new Set<string>();
  let weightBytes = 0;
  const groups = [...bySlot.values()]
    .filter((g) => g.M * g.N * g.K >= minMacs)
    .sort((a, b) => a.members[0]!.node - b.members[0]!.node)
    .filter((g) => {
      const key = gemmKey(model, g);
      if (!counted.has(key)) weightBytes += g.N * g.K;
      counted.add(key);
      return weightBytes <= maxBytes;
    });
  // First fit over the live regions: a group's region is free again after its last node.
  const live: { addr: number; end: number; last: number }[] = [];
  let end = 0;
  for (const g of groups) {
    const first = g.members[0]!.node;
    for (let j = live.length - 1; j >= 0; j--) if (live[j]!.last < first) live.splice(j, 1);
    live.sort((a, b) => a.addr - b.addr);
    const bytes = align(4 * g.M * g.N);
    let addr = 0;
    for (const r of live) {
      if (addr + bytes <= r.addr) break;
      addr = Math.max(addr, r.end);
    }
    g.acc = addr;
    live.push({ addr, end: addr + bytes, last: g.members[g.members.length - 1]!.node });
    end = Math.max(end, addr + bytes);
  }
  return { groups, bytes: end };
}

/** Groups of one key multiply the same weights on inputs of the same shape: one GEMM serves them all. */
export function gemmKey(model: Pick<Model, "nodes">, g: GemmGroup): string {
  return `${g.M}×${g.K}:${g.members.map((m) => model.nodes[m.node]!.inputs[1]!.slot).join(",")}`;
}

function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}
