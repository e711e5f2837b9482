/**
 * Fixed-length arrays: a shape of known rank, an attribute of known length. `ofLength` checks the
 * length once; the elements of the tuple it returns are then read without further checks.
 */

/** A tuple of N elements of T. */
export type Tuple<T, N extends number, R extends T[] = []> = R["length"] extends N ? R : Tuple<T, N, [...R, T]>;

/** `a` itself typed as a tuple when it has exactly `n` elements, else undefined. */
export function ofLength<T, N extends number>(a: T[], n: N): Tuple<T, N> | undefined {
  return a.length === n ? (a as unknown as Tuple<T, N>) : undefined;
}
