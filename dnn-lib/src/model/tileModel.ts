/**
 * Tiling: splits every matmul and matmul16 (along N) and conv2d (along OC) whose step bound
 * (estimateSteps) exceeds `maxSteps` into tiles that fit, then joins the tiles'
 * outputs with a chain of concat nodes. Each output column (channel) depends only
 * on its own weight rows, so the tiled model computes the same bits. Weight
 * operands are split into new weight slots; an activation operand is split with
 * slice nodes. Other ops are kept whole (their bound is checked, not tiled).
 */
import { Op, opInfo, opParams } from "../ops.ts";
import { SlotKind, type OperandSlot } from "../nodeInput.ts";
import { estimateSteps } from "./estimateSteps.ts";
import { ModelGraphError } from "./errors.ts";
import { cacheOfSlot, outputSlotOf, type GraphNode, type Model } from "./Model.ts";
import { activationLength, validateModel } from "./validateModel.ts";

export function tileModel(model: Model, maxSteps: number): Model {
  // Every slot a node reads exists (validateModel), so the slot lookups below find one.
  const actLens = validateModel(model);
  const nodes: GraphNode[] = [];
  const weights: Uint8Array[] = [];
  const newLens: number[] = [model.inputLength];
  const weightSlot = new Map<string, number>();
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
  /** Bytes [start, start + len) of an operand, as an operand of the tiled model. */
  const part = (src: OperandSlot, start: number, len: number): OperandSlot => {
    if (src.kind === SlotKind.weight) {
      const w = model.weights[src.slot]!;
      const key = `${src.slot}:${start}:${len}`;
      let k = weightSlot.get(key);
      if (k === undefined) {
        weightSlot.set(key, (k = weights.length));
        weights.push(start === 0 && len === w.length ? w : w.slice(start, start + len));
      }
      return { kind: SlotKind.weight, slot: k };
    }
    if (cacheOfSlot(model, src.slot) !== undefined) return src; // caches keep their slot, read whole
    const slot = slotMap[src.slot]!;
    if (start === 0 && len === actLens[src.slot]) return { kind: SlotKind.activation, slot };
    return push(
      { op: Op.slice, inputs: [{ kind: SlotKind.activation, slot }], params: [1, newLens[slot]!, start, len] },
      len,
    );
  };
  const whole = (src: OperandSlot) =>
    part(
      src,
      0,
      src.kind === SlotKind.weight ? model.weights[src.slot]!.length : activationLength(model, actLens, src.slot),
    );

  model.nodes.forEach((node, i) => {
    const steps = estimateSteps(node.op, node.params);
    const { name, p } = opParams(node.op, node.params);
    if (steps <= maxSteps || node.into || (name !== "matmul" && name !== "matmul16" && name !== "conv2d")) {
      if (steps > maxSteps)
        throw new ModelGraphError(`node ${i} (${name}) exceeds the step budget and cannot be tiled`, {
          details: `estimated ${steps} steps > ${maxSteps}`,
        });
      slotMap.push(push({ ...node, inputs: node.inputs.map(whole) }, actLens[i + 1]!).slot);
      return;
    }
    // Output units: matmul columns N (weight row K bytes; 2 output bytes each for matmul16), conv2d channels OC (C·KH·KW bytes).
    const isMatmul = name !== "conv2d";
    const [units, rowBytes, outPerUnit, outer] =
      name === "conv2d"
        ? [p.OC, p.C * p.KH * p.KW, actLens[i + 1]! / p.OC, 1]
        : [p.N, p.K, name === "matmul16" ? 2 : 1, p.M];
    const withUnits = (u: number) => node.params.map((v, k) => (k === (isMatmul ? 1 : 3) ? u : v));
    let per = units;
    while (per > 0 && estimateSteps(node.op, withUnits(per)) > maxSteps) per = Math.floor(per / 2);
    if (per === 0)
      throw new ModelGraphError(`node ${i} (${name}) cannot be tiled under the step budget`, {
        details: `one output ${isMatmul ? "column" : "channel"} alone is estimated at ${estimateSteps(node.op, withUnits(1))} steps > ${maxSteps}`,
      });
    let joined: OperandSlot | null = null;
    let done = 0;
    for (let u0 = 0; u0 < units; u0 += per) {
      const u = Math.min(per, units - u0);
      const [x, w, ...rest] = node.inputs; // five operands (validateModel)
      const inputs = [whole(x!), part(w!, u0 * rowBytes, u * rowBytes), ...rest.map((s) => part(s, 4 * u0, 4 * u))];
      const tile = push({ op: node.op, inputs, params: withUnits(u) }, outer * u * outPerUnit);
      joined =
        joined === null
          ? tile
          : push(
              { op: Op.concat, inputs: [joined, tile], params: [outer, done * outPerUnit, u * outPerUnit] },
              outer * (done + u) * outPerUnit,
            );
      done += u;
    }
    slotMap.push(joined!.slot);
  });
  const tiled: Model = { ...model, nodes, weights };
  validateModel(tiled);
  return tiled;
}
