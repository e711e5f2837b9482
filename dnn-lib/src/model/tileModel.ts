/**
 * Tiling (docs/protocol.md §4.5): every node whose step bound (estimateSteps) exceeds `maxSteps`
 * is split into tiles that fit (tilePlan.ts: matmul and conv2d by output columns or channels,
 * attention by head and query block, attnCache by head group, element-wise and row-wise ops by
 * rows), and the tiles' outputs are joined by a balanced tree of concat nodes: ⌈log2 t⌉ levels for
 * t tiles, each level copying the output once, where a chain would copy it t − 1 times. Every tile
 * computes exactly the bytes of its part of the output, so the tiled model computes the same bits.
 * Weight operands are split into new weight slots (views of the model's bytes); an activation
 * operand is split with slice nodes (a column band of each row, for attnCache's caches). Nodes
 * that write a cache block, copies and views are checked, not tiled.
 */
import { Op, opInfo } from "../ops.ts";
import { SlotKind, type OperandSlot } from "../nodeInput.ts";
import { estimateSteps } from "./estimateSteps.ts";
import { ModelGraphError } from "./errors.ts";
import { cacheOfSlot, outputSlotOf, type GraphNode, type Model } from "./Model.ts";
import { activationLength, validateModel } from "./validateModel.ts";
import { planTile, UnitOverBudget, type Part } from "./tilePlan.ts";

export function tileModel(model: Model, maxSteps: number): Model {
  // Every slot a node reads exists (validateModel), so the slot lookups below find one.
  const actLens = validateModel(model);
  const nodes: GraphNode[] = [];
  const weights: Uint8Array[] = [];
  const newLens: number[] = [model.inputLength];
  const parts = new Map<string, OperandSlot>();
  const slotMap = [0];

  const push = (node: GraphNode, outLen: number): OperandSlot => {
    const steps = estimateSteps(node.op, node.params);
    if (steps > maxSteps)
      throw new ModelGraphError(`a ${opInfo(node.op).name} node made by tiling exceeds the step budget`, {
        details: `estimated ${steps} steps > ${maxSteps}, params [${node.params.join(", ")}]`,
      });
    nodes.push(node);
    newLens.push(outLen);
    return { kind: SlotKind.activation, slot: outputSlotOf(nodes.length - 1) };
  };
  const lengthOf = (src: OperandSlot) =>
    src.kind === SlotKind.weight ? model.weights[src.slot]!.length : activationLength(model, actLens, src.slot);
  /** A part of an operand (all of it when undefined: tilePlan.ts's Part), in the tiled model. */
  const part = (src: OperandSlot, range?: Part): OperandSlot => {
    const total = lengthOf(src);
    const [start, len, rows = 1] = range ?? [0, total];
    const row = total / rows;
    const key = `${src.kind}:${src.slot}:${start}:${len}:${rows}`;
    let made = parts.get(key);
    if (made) return made;
    const all = start === 0 && len === row;
    if (src.kind === SlotKind.weight) {
      const w = model.weights[src.slot]!;
      if (all) weights.push(w);
      else if (rows === 1) weights.push(w.subarray(start, start + len));
      else {
        const band = new Uint8Array(rows * len);
        for (let r = 0; r < rows; r++) band.set(w.subarray(r * row + start, r * row + start + len), r * len);
        weights.push(band);
      }
      made = { kind: SlotKind.weight, slot: weights.length - 1 };
    } else {
      // A cache keeps its slot (numbered from the top, so tiling never moves it). Its bytes change
      // as blocks are written, so a slice of it is made for the node that reads it, never reused.
      const cache = cacheOfSlot(model, src.slot) !== undefined;
      const slot = cache ? src.slot : slotMap[src.slot]!;
      if (all) return { kind: SlotKind.activation, slot };
      made = push(
        { op: Op.slice, inputs: [{ kind: SlotKind.activation, slot }], params: [rows, row, start, len] },
        rows * len,
      );
      if (cache) return made;
    }
    parts.set(key, made);
    return made;
  };

  model.nodes.forEach((node, i) => {
    const steps = estimateSteps(node.op, node.params);
    if (steps <= maxSteps) {
      slotMap.push(push({ ...node, inputs: node.inputs.map((s) => part(s)) }, actLens[i + 1]!).slot);
      return;
    }
    const name = opInfo(node.op).name;
    let plan;
    try {
      plan = node.into ? undefined : planTile(node.op, node.params, maxSteps);
    } catch (e) {
      if (!(e instanceof UnitOverBudget)) throw e;
      throw new ModelGraphError(`node ${i} (${name}) cannot be tiled under the step budget`, {
        details: `one ${e.unit} alone is estimated at ${e.steps} steps > ${maxSteps}`,
      });
    }
    if (!plan)
      throw new ModelGraphError(`node ${i} (${name}) exceeds the step budget and cannot be tiled`, {
        details: `estimated ${steps} steps > ${maxSteps}${node.into ? " (it writes a cache block)" : ""}`,
      });
    const { tiles, outer } = plan;
    // The last join copies the whole output: a node whose output alone is over the budget to copy
    // cannot be joined at all.
    const width = tiles.reduce((a, t) => a + t.width, 0);
    const lastJoin = estimateSteps(Op.concat, [outer, width - tiles.at(-1)!.width, tiles.at(-1)!.width]);
    if (tiles.length > 1 && lastJoin > maxSteps)
      throw new ModelGraphError(`node ${i} (${name}) cannot be tiled under the step budget`, {
        details: `joining its ${outer * width}-byte output is estimated at ${lastJoin} steps > ${maxSteps}`,
      });
    let level = tiles.map((t) => ({
      slot: push(
        { op: node.op, inputs: node.inputs.map((s, k) => part(s, t.parts[k])), params: t.params },
        outer * t.width,
      ),
      width: t.width,
    }));
    // The balanced join: neighbours pair up level by level, so the output order is kept.
    while (level.length > 1) {
      const next: typeof level = [];
      for (let k = 0; k + 1 < level.length; k += 2) {
        const [a, b] = [level[k]!, level[k + 1]!];
        const width = a.width + b.width;
        next.push({
          slot: push({ op: Op.concat, inputs: [a.slot, b.slot], params: [outer, a.width, b.width] }, outer * width),
          width,
        });
      }
      if (level.length % 2 === 1) next.push(level.at(-1)!);
      level = next;
    }
    slotMap.push(level[0]!.slot.slot);
  });
  const tiled: Model = { ...model, nodes, weights };
  validateModel(tiled);
  return tiled;
}

/**
 * The longest chain of concat nodes feeding one another in a model: ⌈log2 t⌉ for the balanced join
 * of t tiles, where joining each tile onto the last join would make it t − 1.
 */
export function joinDepth(model: Pick<Model, "nodes">): number {
  const depth = new Map<number, number>();
  let max = 0;
  model.nodes.forEach((n, i) => {
    if (n.op !== Op.concat) return;
    const d = 1 + Math.max(...n.inputs.map((s) => depth.get(s.slot) ?? 0));
    depth.set(outputSlotOf(i), d);
    max = Math.max(max, d);
  });
  return max;
}
