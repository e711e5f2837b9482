/** What a bench module returns: flat metrics for results.json, plus rows and notes for RESULTS.md. */
export interface BenchReport {
  /** Section title in RESULTS.md. */
  title: string;
  /** metric name → number, merged into bench/results.json. */
  metrics: Record<string, number>;
  /** Extra table rows for RESULTS.md: [what, value, note]. */
  rows?: [string, string, string][];
  /** Free text under the section (decisions, reasons). */
  notes?: string[];
}

/** Runs `fn` repeatedly for at least `minMs` (and at least `minRuns` times); returns seconds per run (best of). */
export function timeIt(fn: () => void, minMs = 300, minRuns = 3): number {
  let best = Infinity;
  const start = performance.now();
  let runs = 0;
  while (runs < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
    runs++;
  }
  return best / 1000;
}

/** Operations per second of `op` over `n` iterations, best of a few rounds. */
export function opsPerSecond(op: (i: number) => void, n: number, rounds = 3): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) op(i);
    best = Math.min(best, performance.now() - t0);
  }
  return n / (best / 1000);
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return x.toExponential(3);
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
