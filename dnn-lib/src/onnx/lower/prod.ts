/** The element count of a shape (1 for a scalar's `[]`). */
export function prod(d: readonly number[]): number {
  return d.reduce((a, b) => a * b, 1);
}
