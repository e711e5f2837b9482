/**
 * The daemon's VM work, earliest deadline first: every node run a game needs is a job with the
 * chain time by which the move that needs it is due. Jobs run one at a time (the VM is single
 * threaded, and so is the daemon), in slices of about `sliceSteps` steps, each slice going to the
 * job with the earliest deadline, so a run needed sooner preempts a longer one at the next slice.
 * Between slices the scheduler yields to the event loop: moves that need no VM run (bisections
 * from a cached trace, choices, timeouts) are sent while a long run is under way.
 *
 * Work traced ahead (a node the opponent may pick) is `background`: it runs only while no due job
 * waits, and becomes due when a move turns out to need it. protocol.md §7.5 gives the rule that
 * makes this schedule meet every deadline.
 */
import { OpmlError } from "../common/errors.ts";

/** Steps per slice: about 30 ms at this VM's speed, short enough for the moves between slices. */
export const DEFAULT_SLICE_STEPS = 100_000;

/** A job's work: a generator that pauses between slices and returns the result. */
export type SlicedWork<T> = () => Generator<unknown, T, void>;

export class VmJobCancelledError extends OpmlError {
  override name = "VmJobCancelledError";
}

/** A job as the scheduler keeps it. */
interface Job {
  key: string;
  /** Chain time (s) by which the move that needs it is due; Infinity when not known. */
  deadline: number;
  background: boolean;
  /** Order of arrival: ties go to the older job. */
  seq: number;
  work: SlicedWork<unknown>;
  run?: Generator<unknown, unknown, void>;
  promise: Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** One finished job, for the daemon's logs and the load bench. */
export interface VmJobRecord {
  key: string;
  deadline: number;
  background: boolean;
  /** Slices it ran in (1 for a run shorter than a slice). */
  slices: number;
}

export class VmScheduler {
  /** Finished jobs, in the order they finished. */
  readonly finished: VmJobRecord[] = [];
  private readonly jobs = new Map<string, Job>();
  private readonly slices = new Map<string, number>();
  private seq = 0;
  private running?: Promise<void>;

  constructor(private readonly pause: () => Promise<void> = () => new Promise((r) => setImmediate(r))) {}

  /**
   * Runs `work` under `key` by `deadline`; a job already queued under the same key is shared,
   * its deadline lowered to the earlier of the two (and made due if this call is not background).
   */
  run<T>(key: string, work: SlicedWork<T>, opts: { deadline?: number; background?: boolean } = {}): Promise<T> {
    const deadline = opts.deadline ?? Infinity;
    const background = opts.background ?? false;
    const queued = this.jobs.get(key);
    if (queued) {
      this.expedite(key, opts);
      return queued.promise as Promise<T>;
    }
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.jobs.set(key, { key, deadline, background, seq: this.seq++, work, promise, resolve, reject });
    this.running ??= this.loop().finally(() => (this.running = undefined));
    return promise as Promise<T>;
  }

  /** Makes the job queued under `key`, if any, as urgent as `opts` asks (never less urgent). */
  expedite(key: string, opts: { deadline?: number; background?: boolean }): void {
    const j = this.jobs.get(key);
    if (!j) return;
    j.deadline = Math.min(j.deadline, opts.deadline ?? Infinity);
    j.background &&= opts.background ?? false;
  }

  /** Keys of the queued jobs (started or not), the next to get a slice first. */
  queue(): string[] {
    return [...this.jobs.values()].sort(order).map((j) => j.key);
  }

  /** Rejects every queued job with {@link VmJobCancelledError} (the daemon stops). */
  cancelAll(reason: string): void {
    for (const j of this.jobs.values()) j.reject(new VmJobCancelledError(`VM run ${j.key} cancelled: ${reason}`));
    this.jobs.clear();
  }

  /** Resolves once no job is queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    await this.pause(); // jobs queued in the same turn compete for the first slice
    while (this.jobs.size > 0) {
      const job = [...this.jobs.values()].sort(order)[0]!;
      this.slices.set(job.key, (this.slices.get(job.key) ?? 0) + 1);
      try {
        job.run ??= job.work();
        const r = job.run.next();
        if (r.done) this.finish(job, () => job.resolve(r.value));
      } catch (err) {
        this.finish(job, () => job.reject(err));
      }
      await this.pause();
    }
  }

  private finish(job: Job, settle: () => void): void {
    if (this.jobs.get(job.key) !== job) return; // cancelled meanwhile
    this.jobs.delete(job.key);
    const slices = this.slices.get(job.key) ?? 0;
    this.slices.delete(job.key);
    this.finished.push({ key: job.key, deadline: job.deadline, background: job.background, slices });
    settle();
  }
}

/** Due jobs before background ones; then the earliest deadline; then the oldest. */
function order(a: Job, b: Job): number {
  return Number(a.background) - Number(b.background) || a.deadline - b.deadline || a.seq - b.seq;
}
