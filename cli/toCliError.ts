/** How `opml` turns a failure into what it prints (kept apart from cli/errors.ts: it loads viem). */
import { BaseError } from "viem";
import { OpmlError } from "../common/errors.ts";
import { ChainError } from "./errors.ts";

/**
 * A viem error, by shape (`shortMessage`, `version`): the bundle's viem and the one the TypeScript
 * sources load are different copies, so `instanceof BaseError` sees only one of them.
 */
function isChainClientError(err: unknown): err is BaseError {
  if (err instanceof BaseError) return true;
  const e = err as { shortMessage?: unknown; version?: unknown } | null;
  return err instanceof Error && typeof e?.shortMessage === "string" && typeof e.version === "string";
}

/**
 * What `opml` prints for a failure: opML's typed errors as they are, a failure of the chain client
 * (an RPC that does not answer, an answer that does not decode) as a {@link ChainError}; anything
 * else unchanged.
 */
export function toCliError(err: unknown): unknown {
  // Our own errors are BaseErrors too, and already say what went wrong.
  if (err instanceof OpmlError || !isChainClientError(err)) return err;
  return new ChainError(`the chain call failed: ${err.shortMessage}`, {
    details: "is the RPC URL right and the node running? (`opml devnet` starts one)",
    cause: err,
  });
}
