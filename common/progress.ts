/**
 * A small progress reporter for long work (compiling, tracing a VM run, Merkleizing): a redrawn
 * bar on a TTY, plain occasional lines otherwise, nothing when silent (--json, --quiet). It writes
 * to stderr by default so that stdout stays the command's result.
 */

/** Where progress goes: stderr, or any stream-like sink (tests pass their own). */
export interface ProgressSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Default process.stderr. */
  sink?: ProgressSink;
  /** Write nothing at all (--json, --quiet). */
  silent?: boolean;
  /** Milliseconds between redraws of a TTY bar (default 100). */
  redrawMs?: number;
  /** Milliseconds between plain lines when not a TTY (default 2000). */
  lineMs?: number;
  /** The clock, in milliseconds (tests pass a fake one). */
  now?: () => number;
}

/** One piece of work being reported: update it as it goes, end it with `done`. */
export interface ProgressTask {
  /** `current` of `total` units done (total may change, e.g. once it is known). */
  update(current: number, total?: number): void;
  /** Ends the task; a TTY bar is replaced by one final line. */
  done(note?: string): void;
}

const BAR_WIDTH = 24;

function percent(current: number, total: number): string {
  return total > 0 ? `${Math.floor((100 * Math.min(current, total)) / total)}%` : "";
}

function count(current: number, total: number, unit: string): string {
  const n = (v: number) => v.toLocaleString("en-US");
  return total > 0 ? `${n(current)}/${n(total)}${unit ? ` ${unit}` : ""}` : `${n(current)}${unit ? ` ${unit}` : ""}`;
}

export class Progress {
  readonly #sink: ProgressSink;
  readonly #silent: boolean;
  readonly #redrawMs: number;
  readonly #lineMs: number;
  readonly #now: () => number;

  constructor(options: ProgressOptions = {}) {
    this.#sink = options.sink ?? process.stderr;
    this.#silent = options.silent ?? false;
    this.#redrawMs = options.redrawMs ?? 100;
    this.#lineMs = options.lineMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** A reporter that writes nothing. */
  static silent(): Progress {
    return new Progress({ silent: true });
  }

  /** Whether the sink is a terminal (a redrawn bar) rather than a pipe or file (plain lines). */
  get tty(): boolean {
    return this.#sink.isTTY === true;
  }

  /** Starts reporting `label`; `total` units (0 when unknown), counted in `unit` (e.g. "steps"). */
  start(label: string, total = 0, unit = ""): ProgressTask {
    if (this.#silent) return { update() {}, done() {} };
    return this.tty ? this.#barTask(label, total, unit) : this.#lineTask(label, total, unit);
  }

  #barTask(label: string, initialTotal: number, unit: string): ProgressTask {
    let total = initialTotal;
    let current = 0;
    let lastDraw = -Infinity;
    const started = this.#now();
    const draw = () => {
      const filled = total > 0 ? Math.round((BAR_WIDTH * Math.min(current, total)) / total) : 0;
      const bar = total > 0 ? `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ` : "";
      const counted = current > 0 || total > 0 ? count(current, total, unit) : "";
      const line = `${label} ${bar}${percent(current, total)} ${counted}`.replace(/\s+$/, "");
      const width = Math.max(20, (this.#sink.columns || 80) - 1);
      this.#sink.write(`\r${line.slice(0, width)}\x1b[K`);
      lastDraw = this.#now();
    };
    draw();
    return {
      update: (c, t) => {
        current = c;
        if (t !== undefined) total = t;
        if (this.#now() - lastDraw >= this.#redrawMs) draw();
      },
      done: (note) => {
        const secs = ((this.#now() - started) / 1000).toFixed(1);
        const what = current > 0 || total > 0 ? `, ${count(current, total, unit)}` : "";
        this.#sink.write(`\r${label}: done${what} in ${secs} s${note ? ` (${note})` : ""}\x1b[K\n`);
      },
    };
  }

  #lineTask(label: string, initialTotal: number, unit: string): ProgressTask {
    let total = initialTotal;
    let current = 0;
    const started = this.#now();
    let lastLine = started;
    this.#sink.write(`${label}...${total > 0 ? ` (${count(0, total, unit)})` : ""}\n`);
    return {
      update: (c, t) => {
        current = c;
        if (t !== undefined) total = t;
        if (this.#now() - lastLine < this.#lineMs) return;
        lastLine = this.#now();
        this.#sink.write(`${label}: ${percent(current, total)} ${count(current, total, unit)}`.trimEnd() + "\n");
      },
      done: (note) => {
        const secs = ((this.#now() - started) / 1000).toFixed(1);
        const what = current > 0 || total > 0 ? `, ${count(current, total, unit)}` : "";
        this.#sink.write(`${label}: done${what} in ${secs} s${note ? ` (${note})` : ""}\n`);
      },
    };
  }
}
