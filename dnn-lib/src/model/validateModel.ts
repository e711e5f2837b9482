/**
 * Graph checks a model must pass before it is compiled or run: every operand
 * names a weight that exists or an activation slot already written, and has
 * the byte length its op requires; parameters are within the op's ranges.
 */
import { inputByteLengths, opInfo, outputByteLength, OP_INFO, type OpCode } from "../ops.ts";
import { MAX_INPUTS, MAX_PARAMS, SlotKind } from "../nodeInput.ts";
import { SLOT_DEPTH } from "../../../commitment/slotTree.ts";
import { OpmlError } from "../../../common/errors.ts";
import { ModelGraphError, ModelUnsupportedError } from "./errors.ts";
import { cacheOfSlot, outputSlotOf, type Model } from "./Model.ts";
import { tensorDepth } from "../../../commitment/tensorRoot.ts";

/** The byte length of activation operand `slot`: a node's (or the input's) slot, or a cache. */
export function activationLength(model: Pick<Model, "caches">, lengths: readonly number[], slot: number): number {
  const c = cacheOfSlot(model, slot);
  return c !== undefined ? model.caches![c]! : lengths[slot]!;
}

/**
 * Byte length of every activation slot (0 = input, i + 1 = node i's output; a node writing into a
 * cache leaves its own slot empty, length 0).
 */
export function validateModel(model: Model): number[] {
  if (model.nodes.length === 0) throw new ModelGraphError("model has no nodes");
  const caches = model.caches ?? [];
  const slots = model.nodes.length + 1 + caches.length;
  if (slots > 2 ** SLOT_DEPTH || model.weights.length > 2 ** SLOT_DEPTH)
    throw new ModelGraphError("model has more slots than a slot tree holds", {
      details: `${slots} activation slots (input, ${model.nodes.length} nodes, ${caches.length} caches) and ${model.weights.length} weights; a slot tree holds 2^${SLOT_DEPTH}`,
    });
  if (!(model.inputLength > 0)) throw new ModelGraphError("input length must be positive");
  caches.forEach((n, c) => {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32)
      throw new ModelGraphError(`cache ${c} has a bad length`, { details: `${n} bytes` });
  });
  const written = new Set<number>();
  const activations = [model.inputLength];
  model.nodes.forEach((node, i) => {
    const where = `node ${i}`;
    if (!OP_INFO[node.op as OpCode])
      throw new ModelUnsupportedError(`${where}: unsupported op`, { details: `op code ${node.op}` });
    const name = opInfo(node.op).name;
    if (node.inputs.length > MAX_INPUTS || node.params.length > MAX_PARAMS)
      throw new ModelGraphError(`${where} (${name}): too many operands or parameters`);
    let need: number[];
    try {
      need = inputByteLengths(node.op, node.params);
      activations.push(outputByteLength(node.op, node.params));
    } catch (e) {
      throw new ModelGraphError(`${where} (${name}): bad parameters`, {
        cause: e,
        details: (e as OpmlError).shortMessage,
      });
    }
    if (node.inputs.length !== need.length)
      throw new ModelGraphError(`${where} (${name}): wrong operand count`, {
        details: `${node.inputs.length}, expected ${need.length}`,
      });
    node.inputs.forEach((src, j) => {
      let len: number | undefined;
      const cache = src.kind === SlotKind.activation ? cacheOfSlot(model, src.slot) : undefined;
      if (src.kind === SlotKind.weight) len = model.weights[src.slot]?.length;
      else if (cache !== undefined) len = written.has(cache) ? caches[cache] : undefined;
      else if (src.kind === SlotKind.activation)
        len = src.slot < outputSlotOf(i) && activations[src.slot]! > 0 ? activations[src.slot] : undefined;
      else
        throw new ModelGraphError(`${where} (${name}): operand ${j} has an unknown slot kind`, {
          details: `kind ${src.kind}`,
        });
      const kind = src.kind === SlotKind.weight ? "weight" : "activation";
      if (len === undefined)
        throw new ModelGraphError(
          `${where} (${name}): operand ${j} reads ${kind} slot ${src.slot}, which is not there yet`,
        );
      if (len !== need[j])
        throw new ModelGraphError(`${where} (${name}): operand ${j} (${kind} slot ${src.slot}) has the wrong length`, {
          details: `${len} bytes, the op needs ${need[j]}`,
        });
    });
    if (node.into) {
      const { cache, offset } = node.into;
      const total = caches[cache];
      const out = activations[i + 1]!;
      const block = 32 * 2 ** tensorDepth(out);
      if (
        total === undefined ||
        !Number.isInteger(offset) ||
        offset < 0 ||
        offset % block !== 0 ||
        offset + out > total
      )
        throw new ModelGraphError(`${where} (${name}): its output does not fit a block of its cache`, {
          details: `cache ${cache} (${total ?? "none"} bytes), offset ${offset}, output ${out} bytes (block ${block})`,
        });
      if (i === model.nodes.length - 1)
        throw new ModelGraphError(`${where} (${name}): the last node's output is the model's, not a cache block`);
      written.add(cache);
      activations[i + 1] = 0;
    }
  });
  return activations;
}
