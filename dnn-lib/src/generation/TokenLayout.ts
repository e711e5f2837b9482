/**
 * Where the token axis lies in a tensor of a full-context decoder: every activation of a model
 * `ids[T] → logits[T][V]` is, as bytes, `[outer][T][inner]` — row-major with one axis of length
 * `T` (the position). Taking position `p` of it leaves `[outer][inner]`: the tensor a decode step
 * at position `p` computes.
 */
export interface TokenLayout {
  /** Bytes-independent count of blocks before the token axis. */
  outer: number;
  /** Bytes after the token axis (one position's bytes per outer block). */
  inner: number;
}

export const sameLayout = (a: TokenLayout, b: TokenLayout) => a.outer === b.outer && a.inner === b.inner;

export const showLayout = (l: TokenLayout) => `[${l.outer}][T][${l.inner} bytes]`;
