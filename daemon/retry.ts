/** RPC timeouts and bounded retries for the daemons. */
import { BaseError, HttpRequestError, TimeoutError } from "viem";
import { OpmlError } from "../common/errors.ts";

export class RpcTimeoutError extends OpmlError {
  override name = "RpcTimeoutError";
}

/** Rejects with {@link RpcTimeoutError} if `p` does not settle in `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RpcTimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface RetryOptions {
  /** Attempts in all (default 4). */
  attempts?: number;
  /** First back-off in ms, doubled each time (default 200). */
  backoffMs?: number;
  /** Per-attempt timeout in ms (default 15 s). */
  timeoutMs?: number;
  /** Whether an error is worth another attempt (default: {@link isTransientRpcError}). */
  retryable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number) => void;
}

/** Transport trouble (timeouts, HTTP failures, refused connections) is retried; reverts and our own errors are not. */
export const isTransientRpcError = (err: unknown): boolean =>
  err instanceof RpcTimeoutError ||
  (err instanceof BaseError && !!err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError)) ||
  (err instanceof Error && /ECONNREFUSED|ECONNRESET|fetch failed/.test(err.message));
const defaultRetryable = isTransientRpcError;

/** Runs `fn` with a timeout per attempt and a bounded number of attempts with exponential back-off. */
export async function retry<T>(what: string, fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const retryable = opts.retryable ?? defaultRetryable;
  let backoff = opts.backoffMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(fn(), opts.timeoutMs ?? 15_000, what);
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      opts.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, backoff));
      backoff *= 2;
    }
  }
}

/**
 * Back-off in passes for work that later passes retry (a game's move): after the n-th failure in
 * a row of a key, its next 2^(n-1) - 1 passes are skipped (the first retry is the next pass), at
 * most `maxSkip` (the caller bounds it by the clock left). A success clears the key.
 */
export class PassBackoff<K> {
  private readonly keys = new Map<K, { failures: number; skip: number }>();

  /** Whether `key` sits this pass out (the pass counts as waited). */
  waiting(key: K): boolean {
    const k = this.keys.get(key);
    if (!k || k.skip === 0) return false;
    k.skip--;
    return true;
  }

  /** Records a failure; returns the failures in a row and the passes skipped before the next try. */
  failed(key: K, maxSkip: number): { failures: number; skipPasses: number } {
    const failures = (this.keys.get(key)?.failures ?? 0) + 1;
    const skip = Math.max(0, Math.min(2 ** Math.min(failures - 1, 30) - 1, Math.floor(maxSkip)));
    this.keys.set(key, { failures, skip });
    return { failures, skipPasses: skip };
  }

  succeeded(key: K): void {
    this.keys.delete(key);
  }
}
