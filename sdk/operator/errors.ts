/** Typed errors of the operator actions (the dapp-side ones, `WrongRequestStateError` among them, are ../errors.ts). */
import { OpmlError } from "../../common/errors.ts";

/** No InferenceRequested event carries the request's input. */
export class RequestInputNotFoundError extends OpmlError {
  override name = "RequestInputNotFoundError";
}

/** A game move could not be made: it reverted, its event is missing, or our run disagrees with the game. */
export class GameMoveError extends OpmlError {
  override name = "GameMoveError";
}
