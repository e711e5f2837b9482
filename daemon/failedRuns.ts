/**
 * Honest runs that fail deterministically (docs/protocol.md §8.2.1): an input the model cannot run
 * — a kernel trap, a token id outside the model's bound, an input of the wrong size — fails the
 * same way on every run, so it is run once. The failure is recorded in the data directory, keyed
 * by content (the model commitment and the input's hash) like the level-1 cache, with the requests
 * or claims it was reported for: a restart neither re-runs it nor logs it again, and a second
 * request with the same input is reported (once) without running. Any other error (an RPC, a full
 * disk) is not a property of the input and is thrown as it is, for the loop to retry.
 */
import { keccak256, toHex } from "viem";
import type { ComputedClaim, ServedModel } from "../claim/ServedModel.ts";
import { OpmlError } from "../common/errors.ts";
import { DnnKernelTrapError, DnnShapeError } from "../dnn-lib/src/errors.ts";
import { InputTokenOutOfRangeError } from "../dnn-lib/src/model/inputTokenBound.ts";
import { ModelInputError } from "../dnn-lib/src/runner/errors.ts";
import { CacheContentError, type DataDir } from "./dataDir.ts";
import type { Logger } from "./logger.ts";

const KIND = "run-failure";

/** A deterministic failure as recorded and logged: the error's class and short message, no stack. */
export interface RunFailure {
  error: string;
  message: string;
  details?: string;
}

/** The failure `err` is when it is a property of the input (the same on every run), else undefined. */
export function deterministicFailure(err: unknown): RunFailure | undefined {
  const input =
    err instanceof DnnKernelTrapError ||
    err instanceof InputTokenOutOfRangeError ||
    err instanceof ModelInputError ||
    err instanceof DnnShapeError;
  if (!input || !(err instanceof OpmlError)) return undefined;
  return { error: err.name, message: err.shortMessage, ...(err.details ? { details: err.details } : {}) };
}

interface Entry {
  failure: RunFailure;
  /** What it was reported for (e.g. `request <oracle>:<id>`): each once. */
  subjects: string[];
}

function decodeEntry(payload: Uint8Array): Entry {
  const raw = JSON.parse(new TextDecoder().decode(payload)) as Partial<Entry> | null;
  const f = raw?.failure;
  if (
    typeof f?.error !== "string" ||
    typeof f.message !== "string" ||
    (f.details !== undefined && typeof f.details !== "string") ||
    !Array.isArray(raw?.subjects) ||
    !raw.subjects.every((s) => typeof s === "string")
  )
    throw new CacheContentError("not a run failure with its subjects");
  return { failure: f, subjects: raw.subjects };
}

export class FailedRuns {
  /** Honest runs attempted here, failed or not (a recorded failure is not run again). */
  readonly stats = { runs: 0 };
  /** Entries of this process; the data directory's are read on a miss. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly dataDir?: DataDir) {}

  private static key(served: ServedModel, input: Uint8Array): string {
    return `${served.key}:${keccak256(input)}`;
  }

  private static rel(key: string): string {
    return `failed/${keccak256(toHex(key)).slice(2)}.bin`;
  }

  /** The recorded failure of `served` on `input`, if any. */
  get(served: ServedModel, input: Uint8Array): RunFailure | undefined {
    return this.entry(FailedRuns.key(served, input))?.failure;
  }

  private entry(key: string): Entry | undefined {
    let e = this.entries.get(key);
    if (!e) {
      e = this.dataDir?.load(FailedRuns.rel(key), KIND, key, decodeEntry);
      if (e) this.entries.set(key, e);
    }
    return e;
  }

  /**
   * The honest run of `served` on `input` (`compute`), once: a deterministic failure is recorded
   * and logged at warn (`msg`, with the failure, never a stack) once per `subject`, and answers
   * undefined, now and on every later call, after a restart too, without running again.
   */
  run(
    served: ServedModel,
    input: Uint8Array,
    subject: string,
    log: Logger,
    msg: string,
    compute: () => ComputedClaim,
  ): ComputedClaim | undefined {
    const key = FailedRuns.key(served, input);
    let e = this.entry(key);
    if (!e) {
      try {
        this.stats.runs++;
        return compute();
      } catch (err) {
        const failure = deterministicFailure(err);
        if (!failure) throw err;
        e = { failure, subjects: [] };
        this.entries.set(key, e);
      }
    }
    if (!e.subjects.includes(subject)) {
      e.subjects.push(subject);
      this.dataDir?.save(FailedRuns.rel(key), KIND, key, new TextEncoder().encode(JSON.stringify(e)));
      log.warn({ failure: e.failure }, msg);
    }
    return undefined;
  }
}
