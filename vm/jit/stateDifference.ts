/**
 * The differential check between two machines (the compiled tier against the interpreter): what
 * differs in everything the state hash covers, and in the dirty-chunk flags the Merkle tree syncs
 * from; null when nothing does.
 */
import type { Machine } from "../Machine.ts";

const bytes = (a: Int32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The first difference between `a` and `b` (named), or null. With `hash`, the state hashes too (this syncs both trees). */
export function stateDifference(a: Machine, b: Machine, hash = false): string | null {
  const ra = a.registers();
  const rb = b.registers();
  for (const k of Object.keys(ra) as (keyof typeof ra)[]) if (ra[k] !== rb[k]) return `${k}: ${ra[k]} vs ${rb[k]}`;
  if (a.stackHigh !== b.stackHigh) return `stackHigh: ${a.stackHigh} vs ${b.stackHigh}`;
  if (a.framesHigh !== b.framesHigh) return `framesHigh: ${a.framesHigh} vs ${b.framesHigh}`;
  const words = 2 * a.stackHigh;
  if (!bytes(a.stack.subarray(0, words)).equals(bytes(b.stack.subarray(0, words)))) return "value stack";
  const frames = 2 * a.framesHigh;
  if (!bytes(a.frames.subarray(0, frames)).equals(bytes(b.frames.subarray(0, frames)))) return "call stack";
  if (!bytes(a.globals).equals(bytes(b.globals))) return "globals";
  if (a.globalsDirty !== b.globalsDirty) return "globals dirty flag";
  if (!bytes(a.mem).equals(bytes(b.mem))) return "linear memory";
  if (!bytes(a.memDirty).equals(bytes(b.memDirty))) return "dirty chunks";
  if (a.trapReason !== b.trapReason) return `trap reason: ${a.trapReason} vs ${b.trapReason}`;
  if (hash && !bytes(a.stateHash()).equals(bytes(b.stateHash()))) return "state hash";
  return null;
}
