/** How `opml` turns a failure into what it prints (kept apart from cli/errors.ts: it loads viem). */
import { BaseError } from "viem";
import { OpmlError } from "../common/errors.ts";
import { ChainError } from "./errors.ts";

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
