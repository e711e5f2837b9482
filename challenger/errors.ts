import { OpmlError } from "../common/errors.ts";

/** A challenger configuration the daemon cannot run with (named in the message). */
export class ChallengerConfigError extends OpmlError {
  override name = "ChallengerConfigError";
}
