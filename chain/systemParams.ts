/**
 * The parameters a deployment of the opML system fixes for good (DisputeGame's and OpmlOracle's
 * constructor arguments), the sizing rules their constructors enforce, checked before anything is
 * sent, and the core contracts (StepVerifier, PhaseBoundary, DisputeGame, OpmlOracle) as a
 * manifest for any EVM chain.
 */
import { OpmlError } from "../common/errors.ts";
import type { ContractSpec } from "./deploy.ts";

/** DisputeGame's and OpmlOracle's constructor parameters. */
export interface SystemParams {
  /** Arity of the bisection, 2..64. */
  k: bigint;
  /** Level-2 depth D: 2^D must reach the VM's step limit (2^32), D ≤ 62. */
  stepDepth: bigint;
  /** Seconds on each side's clock at the start of a game (> 0, uint64). */
  clockBudget: bigint;
  /** Seconds granted to the defender for opening phase 2, per open game of the same creator (uint64). */
  phase2Extension: bigint;
  /** Seconds granted to the challenger for the final step (uint64). */
  stepExtension: bigint;
  /** Basis points of a loser's bond burned, MIN_BURN_BPS (1000)..10000. */
  burnBps: bigint;
  /** Seconds after which a request without an active claim may be cancelled (uint64). */
  requestTimeout: bigint;
}

/** PhaseBoundary.STEP_LIMIT: the step cap of every phase-2 run. */
export const PHASE2_STEP_LIMIT = 1n << 32n;
/** OpmlOracle.MIN_BURN_BPS. */
export const MIN_BURN_BPS = 1000n;
const UINT64_MAX = (1n << 64n) - 1n;

/** The devnet's (and the e2e tests') parameters; `opml deploy`'s defaults. */
export const DEFAULT_SYSTEM_PARAMS: Readonly<SystemParams> = {
  k: 4n,
  stepDepth: 32n,
  clockBudget: 600n,
  phase2Extension: 120n,
  stepExtension: 60n,
  burnBps: 5000n,
  requestTimeout: 3600n,
};

/** Parameters the contracts' constructors would revert on; `problems` lists every one. */
export class SystemParamsError extends OpmlError {
  override name = "SystemParamsError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid deployment parameters: ${problems.join("; ")}`, {
      details: "DisputeGame's and OpmlOracle's constructors would revert on these; nothing was sent",
    });
    this.problems = problems;
  }
}

/**
 * Every rule DisputeGame's and OpmlOracle's constructors enforce (and the uint64 width of the
 * clock values), checked at once; throws {@link SystemParamsError} listing each broken rule.
 */
export function checkSystemParams(p: SystemParams): void {
  const problems: string[] = [];
  if (p.k < 2n || p.k > 64n) problems.push(`arity k ${p.k} is not in [2, 64] (InvalidArity)`);
  if (p.stepDepth < 1n || p.stepDepth > 62n)
    problems.push(`step depth ${p.stepDepth} is not in [1, 62] (InvalidStepDepth)`);
  else if (1n << p.stepDepth < PHASE2_STEP_LIMIT)
    problems.push(
      `step depth ${p.stepDepth} covers 2^${p.stepDepth} steps, below the VM's step limit 2^32 (StepDepthBelowStepLimit)`,
    );
  if (p.clockBudget === 0n) problems.push("clock budget 0 s (InvalidClock): each side needs time to move");
  for (const [name, v] of [
    ["clock budget", p.clockBudget],
    ["phase-2 extension", p.phase2Extension],
    ["step extension", p.stepExtension],
    ["request timeout", p.requestTimeout],
  ] as const)
    if (v < 0n || v > UINT64_MAX) problems.push(`${name} ${v} s does not fit a uint64`);
  if (p.burnBps > 10_000n) problems.push(`burn share ${p.burnBps} bps is above 10000 (InvalidBurnShare)`);
  else if (p.burnBps < MIN_BURN_BPS)
    problems.push(`burn share ${p.burnBps} bps is below the minimum ${MIN_BURN_BPS} (BurnShareBelowMinimum)`);
  if (problems.length > 0) throw new SystemParamsError(problems);
}

/** The core contracts with `params`, in deployment order: what `opml deploy` puts on any chain. */
export function systemContracts(params: Readonly<SystemParams> = DEFAULT_SYSTEM_PARAMS): ContractSpec[] {
  const p = params;
  return [
    {
      name: "StepVerifier",
      source: "contracts/src/vm/StepVerifier.sol",
      description: "re-executes one VM step on chain (the final move of a dispute)",
    },
    {
      name: "PhaseBoundary",
      source: "contracts/src/phase/PhaseBoundary.sol",
      description: "checks a phase-2 opening: the node's initial and final VM states",
    },
    {
      name: "DisputeGame",
      source: "contracts/src/game/DisputeGame.sol",
      description: `k-ary bisection over nodes then VM steps (k ${p.k}, step depth ${p.stepDepth}, clock ${p.clockBudget} s)`,
      args: (d) => [
        p.k,
        p.stepDepth,
        p.clockBudget,
        p.phase2Extension,
        p.stepExtension,
        d.address("StepVerifier"),
        d.address("PhaseBoundary"),
      ],
    },
    {
      name: "OpmlOracle",
      source: "contracts/src/oracle/OpmlOracle.sol",
      description: "requests, bonded claims, challenges, finalization and callbacks",
      args: (d) => [d.address("DisputeGame"), p.burnBps, p.requestTimeout],
    },
  ];
}
