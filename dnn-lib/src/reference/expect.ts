import { DnnShapeError } from "../errors.ts";

/** Throws a DnnShapeError naming the op and operand when a length is not the expected one. */
export function expectLength(op: string, operand: string, a: { length: number }, n: number): void {
  if (a.length !== n)
    throw new DnnShapeError(`${op}: operand ${operand} has the wrong length`, {
      details: `got ${a.length} elements, the shape needs ${n}`,
    });
}

/** Operand `j` of a node, which the caller has checked the operand count for. */
export function operand(op: string, inputs: readonly Uint8Array[], j: number): Uint8Array {
  const bytes = inputs[j];
  if (bytes === undefined)
    throw new DnnShapeError(`${op}: operand ${j} is missing`, { details: `${inputs.length} operands` });
  return bytes;
}
