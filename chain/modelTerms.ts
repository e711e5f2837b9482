/**
 * A model's terms (fee, bonds, challenge window, callback gas): the rules OpmlOracle.registerModel
 * enforces and the widths of its ModelConfig fields, checked at once before anything is sent. The
 * challenger bond's sizing against the defender's gas is chain/bondSizing.ts.
 */
import { OpmlError } from "../common/errors.ts";

/** The terms part of OpmlOracle's ModelConfig. */
export interface ModelTerms {
  /** Most gas a request may ask for its callback (≤ MAX_CALLBACK_GAS). */
  maxCallbackGas: number;
  /** Seconds a claim stays open to challenges (> 0). */
  challengeWindow: bigint;
  /** Base fee per request, wei (to the submitter of the final claim). */
  fee: bigint;
  /** Wei per unit of callback gas, paid to the finalizer who carries the callback. */
  feePerCallbackGas: bigint;
  /** The bond a claim carries, wei (> 0). */
  submitterBond: bigint;
  /** The bond a challenge carries, wei (> 0). */
  challengerBond: bigint;
}

/** OpmlOracle.MAX_CALLBACK_GAS. */
export const MAX_CALLBACK_GAS = 5_000_000;
const UINT64_MAX = (1n << 64n) - 1n;
const UINT96_MAX = (1n << 96n) - 1n;

/** Terms that registerModel would revert on, or that do not fit ModelConfig; lists every problem. */
export class ModelTermsError extends OpmlError {
  override name = "ModelTermsError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid model terms: ${problems.join("; ")}`, {
      details: "OpmlOracle.registerModel would refuse these; nothing was sent",
    });
    this.problems = problems;
  }
}

/** Throws {@link ModelTermsError} listing every term the oracle would refuse. */
export function checkModelTerms(t: ModelTerms): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(t.maxCallbackGas) || t.maxCallbackGas < 0 || t.maxCallbackGas > MAX_CALLBACK_GAS)
    problems.push(`max callback gas ${t.maxCallbackGas} is not in [0, ${MAX_CALLBACK_GAS}]`);
  if (t.challengeWindow <= 0n || t.challengeWindow > UINT64_MAX)
    problems.push(`challenge window ${t.challengeWindow} s is not in [1, 2^64)`);
  for (const [name, v, min] of [
    ["fee", t.fee, 0n],
    ["fee per callback gas", t.feePerCallbackGas, 0n],
    ["submitter bond", t.submitterBond, 1n],
    ["challenger bond", t.challengerBond, 1n],
  ] as const)
    if (v < min || v > UINT96_MAX) problems.push(`${name} ${v} wei is not in [${min}, 2^96)`);
  if (problems.length > 0) throw new ModelTermsError(problems);
}
