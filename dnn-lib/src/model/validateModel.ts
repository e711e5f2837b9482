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
import { outputSlotOf, type Model } from "./Model.ts";

/** Byte length of every activation slot (0 = input, i + 1 = node i's output). */
export function validateModel(model: Model): number[] {
  if (model.nodes.length === 0) throw new ModelGraphError("model has no nodes");
  if (model.nodes.length + 1 > 2 ** SLOT_DEPTH || model.weights.length > 2 ** SLOT_DEPTH)
    throw new ModelGraphError("model has more slots than a slot tree holds", { details: `2^${SLOT_DEPTH} slots` });
  if (!(model.inputLength > 0)) throw new ModelGraphError("input length must be positive");
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
      if (src.kind === SlotKind.weight) len = model.weights[src.slot]?.length;
      else if (src.kind === SlotKind.activation) len = src.slot < outputSlotOf(i) ? activations[src.slot] : undefined;
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
  });
  return activations;
}
