/** Typed errors of the operator actions (the dapp-side ones are ../errors.ts). */
import { OpmlError } from "../../common/errors.ts";

/** The request (or claim) is not in the state the action acts on: the chain moved on, or it is too early. */
export class WrongRequestStateError extends OpmlError {
  override name = "WrongRequestStateError";
}

/** No InferenceRequested event carries the request's input. */
export class RequestInputNotFoundError extends OpmlError {
  override name = "RequestInputNotFoundError";
}

/** A game move could not be made: it reverted, its event is missing, or our run disagrees with the game. */
export class GameMoveError extends OpmlError {
  override name = "GameMoveError";
}
