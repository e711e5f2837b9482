/** The typed errors of the `opml` commands themselves (bad names, files, ids, chains). */
import { OpmlError } from "../common/errors.ts";

export { CalibrationError, ModelNotFoundError } from "../dnn-lib/models/errors.ts";

/** The RPC endpoint cannot be reached, or an address there is not the contract it should be. */
export class ChainError extends OpmlError {
  override name = "ChainError";
}

/** The signing account cannot pay for what it is about to send: `need` and `have` in wei. */
export class InsufficientFundsError extends OpmlError {
  override name = "InsufficientFundsError";
  constructor(
    readonly account: string,
    readonly need: bigint,
    readonly have: bigint,
    details: string,
  ) {
    super(`account ${account} has ${have} wei, needs ${need} wei`, { details });
  }
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
 * A model's challenger bond, less the oracle's burn, does not cover the honest defender's gas over
 * a full dispute game (chain/bondSizing.ts) at the gas price: a failed challenge would still cost
 * the honest side. `minimumBond` is the least bond that would.
 */
export class BondTooSmallError extends OpmlError {
  override name = "BondTooSmallError";
  readonly challengerBond: bigint;
  readonly minimumBond: bigint;
  constructor(challengerBond: bigint, minimumBond: bigint, details: string) {
    super(
      `challenger bond ${challengerBond} wei is below ${minimumBond} wei, the least that covers the defender's full-game gas after the burn`,
      {
        details,
      },
    );
    this.challengerBond = challengerBond;
    this.minimumBond = minimumBond;
  }
}
