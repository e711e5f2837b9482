/** The typed errors of the `opml` commands themselves (bad names, files, ids, chains). */
import { BaseError } from "viem";
import { OpmlError } from "../common/errors.ts";

export { CalibrationError, ModelNotFoundError } from "../dnn-lib/models/errors.ts";

/** The RPC endpoint cannot be reached, or an address there is not the contract it should be. */
export class ChainError extends OpmlError {
  override name = "ChainError";
}

/** A model with the same commitment is registered already (its id is in `modelId`). */
export class ModelAlreadyRegisteredError extends OpmlError {
  override name = "ModelAlreadyRegisteredError";
  readonly modelId: bigint;
  constructor(modelId: bigint, details: string) {
    super(`this model is already registered as model ${modelId}`, { details });
    this.modelId = modelId;
  }
}

/** No dispute game (or no request, or no game for the request) with that id. */
export class GameNotFoundError extends OpmlError {
  override name = "GameNotFoundError";
}

/** A bench module name that bench/run.ts does not have. */
export class UnknownBenchModuleError extends OpmlError {
  override name = "UnknownBenchModuleError";
}

/** A command-line value that is not what the option takes (hex, a number, a file). */
export class BadInputError extends OpmlError {
  override name = "BadInputError";
}

/**
 * What `opml` prints for a failure: opML's typed errors as they are, a failure of the chain client
 * (an RPC that does not answer, an answer that does not decode) as a {@link ChainError}; anything
 * else unchanged.
 */
export function toCliError(err: unknown): unknown {
  // Our own errors are BaseErrors too, and already say what went wrong.
  if (err instanceof OpmlError || !(err instanceof BaseError)) return err;
  return new ChainError(`the chain call failed: ${err.shortMessage}`, {
    details: "is the RPC URL right and the node running? (`opml devnet` starts one)",
    cause: err,
  });
}

/**
 * A model's challenger bond does not cover the honest defender's gas over a full dispute game
 * (chain/bondSizing.ts) at the gas price: a failed challenge would still cost the honest side.
 */
export class BondTooSmallError extends OpmlError {
  override name = "BondTooSmallError";
  readonly challengerBond: bigint;
  readonly minimumBond: bigint;
  constructor(challengerBond: bigint, minimumBond: bigint, details: string) {
    super(`challenger bond ${challengerBond} wei is below the defender's full-game gas cost ${minimumBond} wei`, {
      details,
    });
    this.challengerBond = challengerBond;
    this.minimumBond = minimumBond;
  }
}
