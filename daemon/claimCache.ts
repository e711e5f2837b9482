/**
 * Level-1 traces in the data directory: a claim as computed by the native runner (S_0 … S_N, the
 * activations, the output and its slot proof), keyed by content: the model commitment, the input's
 * hash and the variant (honest, or a demo lie). A file is used only if it decodes to a claim of
 * the model's shape whose input slot is the very input asked for; otherwise it is recomputed.
 */
import { bytesToHex, hexToBytes, isHex, keccak256, toHex, type Hex } from "viem";
import type { ComputedClaim, ServedModel } from "../claim/ServedModel.ts";
import { SLOT_DEPTH } from "../commitment/slotTree.ts";
import { CacheContentError, type DataDir } from "./dataDir.ts";

const KIND = "level1-claim";

function word(v: unknown, what: string): Hex {
  if (typeof v !== "string" || !isHex(v, { strict: true }) || v.length !== 66)
    throw new CacheContentError(`${what} is not a 32-byte word`);
  return v;
}

export class ClaimCache {
  /** Claims computed here (cache misses) and read back from the data directory. */
  readonly stats = { computed: 0, loaded: 0 };

  constructor(private readonly dataDir?: DataDir) {}

  static key(served: ServedModel, input: Uint8Array, variant: string): string {
    return `${served.key}:${keccak256(input)}:${variant}`;
  }

  private static rel(key: string): string {
    return `l1/${keccak256(toHex(key)).slice(2)}.bin`;
  }

  /** The claim for (`served`, `input`, `variant`), from the data directory if valid, else `compute()` (then saved). */
  get(served: ServedModel, input: Uint8Array, variant: string, compute: () => ComputedClaim): ComputedClaim {
    const key = ClaimCache.key(served, input, variant);
    const rel = ClaimCache.rel(key);
    const cached = this.dataDir?.load(rel, KIND, key, (p) => decodeClaim(p, served, input));
    if (cached) {
      this.stats.loaded++;
      return cached;
    }
    const claim = compute();
    this.stats.computed++;
    this.dataDir?.save(rel, KIND, key, encodeClaim(claim));
    return claim;
  }

  /** Drops the entry for (`served`, `input`, `variant`) from the data directory (its request is closed). */
  release(served: ServedModel, input: Uint8Array, variant: string): void {
    this.dataDir?.remove(ClaimCache.rel(ClaimCache.key(served, input, variant)));
  }
}

function encodeClaim(c: ComputedClaim): Uint8Array {
  const body = { ...c, activations: c.activations.map((a) => bytesToHex(a)) };
  return new TextEncoder().encode(JSON.stringify(body));
}

function decodeClaim(payload: Uint8Array, served: ServedModel, input: Uint8Array): ComputedClaim {
  const raw = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  const n = served.compiled.commitment.nodeCount;
  const { states, activations, outputSlotProof, output, finalState } = raw;
  if (!Array.isArray(states) || states.length !== n + 1) throw new CacheContentError(`not ${n + 1} graph states`);
  if (!Array.isArray(activations) || activations.length !== n + 1)
    throw new CacheContentError(`not ${n + 1} activation slots`);
  if (!Array.isArray(outputSlotProof) || outputSlotProof.length !== SLOT_DEPTH)
    throw new CacheContentError(`no output slot proof of ${SLOT_DEPTH} siblings`);
  const acts = activations.map((a, i) => {
    if (typeof a !== "string" || !isHex(a, { strict: true })) throw new CacheContentError(`activation ${i} is not hex`);
    return hexToBytes(a);
  });
  if (bytesToHex(acts[0]!) !== bytesToHex(input)) throw new CacheContentError("input slot is not the request's input");
  const claim: ComputedClaim = {
    states: states.map((s, i) => word(s, `S_${i}`)),
    finalState: word(finalState, "S_N"),
    outputSlotProof: outputSlotProof.map((s, i) => word(s, `proof sibling ${i}`)),
    output: typeof output === "string" && isHex(output, { strict: true }) ? output : "0x",
    activations: acts,
  };
  if (claim.finalState !== claim.states[n]) throw new CacheContentError("S_N is not the last graph state");
  if (claim.output !== bytesToHex(acts[n]!)) throw new CacheContentError("output is not the last activation");
  return claim;
}
