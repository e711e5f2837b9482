import { DnnShapeError } from "../errors.ts";

/** Throws a DnnShapeError naming the op and operand when a length is not the expected one. */
export function expectLength(op: string, operand: string, a: { length: number }, n: number): void {
  if (a.length !== n)
    throw new DnnShapeError(`${op}: operand ${operand} has the wrong length`, {
      details: `got ${a.length} elements, the shape needs ${n}`,
    });
}
