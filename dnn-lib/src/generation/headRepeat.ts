/**
 * Grouped-query keys and values: a decoder with G key/value heads repeats each of them H/G times
 * before its attention (`[H][T][Dh]`, head h a copy of group ⌊h/(H/G)⌋), as one `strided` view —
 * the LLaMA builder's, or an ONNX `repeat_kv` (Unsqueeze/Expand/Reshape) as the importer lowers it.
 * The unroller caches the G heads and lets `attnCache` do the repeat (its `G`), so it recognises
 * the view by what it reads, whatever wrote it.
 */
import { Op, paramsOf } from "../ops.ts";
import type { GraphNode } from "../model/Model.ts";
import { SlotKind, type OperandSlot } from "../nodeInput.ts";
import { mergeAxes, type ViewAxis } from "../reference/strided.ts";
import type { TokenLayout } from "./TokenLayout.ts";

const sameAxes = (a: ViewAxis[], b: ViewAxis[]) =>
  a.length === b.length && a.every((x, k) => x.d === b[k]!.d && x.st === b[k]!.st);

/**
 * The number of groups G (1 ≤ G < H) when `node` is a head repeat of its input, `src` the input's
 * token layout: position p's `G·Dh` bytes of the input (its rows `[outer][inner]`, as a decode
 * step computes them) are the G heads `[G][Dh]`, and the view's output is `[H][T][Dh]` with head h
 * reading group ⌊h/(H/G)⌋ at every position. Compared byte for byte as merged views, so any
 * strides that read the same bytes in the same order qualify. Undefined otherwise.
 */
export function headRepeatGroups(
  node: GraphNode,
  src: TokenLayout,
  H: number,
  T: number,
  Dh: number,
): number | undefined {
  if (node.op !== Op.strided) return undefined;
  const { outer, inner } = src;
  const G = (outer * inner) / Dh;
  if (!Number.isInteger(G) || G < 1 || G >= H || H % G !== 0) return undefined;
  const r = H / G;
  // Byte offset in the input of head g's byte j at position t, as axes over [G][r][T][Dh].
  let expected: ViewAxis[];
  if (inner % Dh === 0) {
    // Each outer block holds inner/Dh whole heads.
    expected = [
      { d: outer, st: T * inner },
      { d: inner / Dh, st: Dh },
      { d: r, st: 0 },
      { d: T, st: inner },
      { d: Dh, st: 1 },
    ];
  } else if (Dh % inner === 0) {
    // Each head spans Dh/inner outer blocks.
    expected = [
      { d: G, st: (Dh / inner) * T * inner },
      { d: r, st: 0 },
      { d: T, st: inner },
      { d: Dh / inner, st: T * inner },
      { d: inner, st: 1 },
    ];
  } else return undefined;
  const q = paramsOf(Op.strided, node.params);
  const actual: ViewAxis[] = [
    { d: q.d0, st: q.st0 * q.E },
    { d: q.d1, st: q.st1 * q.E },
    { d: q.d2, st: q.st2 * q.E },
    { d: q.d3, st: q.st3 * q.E },
    { d: q.E, st: 1 },
  ];
  return sameAxes(mergeAxes(actual), mergeAxes(expected)) ? G : undefined;
}

/**
 * For an attention node whose keys and values are both head repeats with the same G: G and the
 * node's operands with k and v read from the repeats' inputs instead. `producer(slot)` is the node
 * writing an activation slot (undefined for the input), `layout(slot)` its token layout.
 */
export function groupedKeysValues(
  node: GraphNode,
  producer: (slot: number) => GraphNode | undefined,
  layout: (slot: number) => TokenLayout | undefined,
): { G: number; inputs: OperandSlot[] } | undefined {
  if (node.op !== Op.attention) return undefined;
  const q = paramsOf(Op.attention, node.params);
  const sources = [node.inputs[1]!, node.inputs[2]!].map((s) => {
    const rep = s.kind === SlotKind.activation ? producer(s.slot) : undefined;
    const src = rep?.inputs[0];
    const srcLayout = src?.kind === SlotKind.activation ? layout(src.slot) : undefined;
    if (!rep || !src || !srcLayout) return undefined;
    const G = headRepeatGroups(rep, srcLayout, q.H, q.Tq, q.Dh);
    return G === undefined ? undefined : { G, src };
  });
  const [k, v] = sources;
  if (!k || !v || k.G !== v.G) return undefined;
  return { G: k.G, inputs: [node.inputs[0]!, k.src, v.src, ...node.inputs.slice(3)] };
}
