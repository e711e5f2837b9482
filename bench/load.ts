/**
 * The daemons at production load (devnet/loadScenario.ts): on anvil mining a block a second, a
 * burst of 50 requests with the submitter killed (kill -9) and restarted mid-burst and the RPC
 * stalled, then a burst of 500, across two models; every request must be claimed once and
 * finalized. Throughput and latency are the 500 burst's, counted from the chain.
 */
import { runLoad } from "../devnet/loadScenario.ts";
import { fmt, type BenchReport } from "./harness.ts";

const STALL_S = 5;

export async function bench(): Promise<BenchReport> {
  const r = await runLoad({ bursts: [50, 500], stallS: STALL_S, phaseTimeoutMs: 300_000 });
  const [small, big] = r.bursts;
  if (!small || !big) throw new Error("the load run ended without both bursts");
  return {
    title: "Daemons at load: bursts of 50 (kill -9 + RPC stall) and 500 requests, 1 s blocks (anvil)",
    metrics: {
      "load.claims_per_s": big.claimsPerS,
      "load.request_to_claim_p95_s": big.p95S,
      "load.lost": r.lost,
      "load.double_claims": r.doubleClaims,
      "load.submitter_rss_mb": r.submitterRssMb,
      "load.challenger_lag_p95_s": r.challengerLagP95S,
    },
    rows: [
      ["burst", "claims/s", "request → claim p50 / p95 (s)"],
      [
        `${small.size} (kill -9 after ${r.faults?.killedAfterClaims ?? 0} claims, ${r.faults?.stallS ?? 0} s stall)`,
        fmt(small.claimsPerS),
        `${small.p50S} / ${small.p95S}`,
      ],
      [`${big.size}`, fmt(big.claimsPerS), `${big.p50S} / ${big.p95S}`],
      ["requests, lost, claimed twice", `${r.requests}`, `${r.lost}, ${r.doubleClaims}`],
      ["claims per block", `at most ${r.maxClaimsPerBlock}`, `${r.claimBlocks} blocks carried claims`],
      [
        "watcher: verdicts, wrong, lag p50 / p95 (s)",
        `${r.verdicts}, ${r.wrongVerdicts}`,
        `${fmt(r.challengerLagP50S)} / ${fmt(r.challengerLagP95S)}`,
      ],
      ["submitter peak RSS", `${fmt(r.submitterRssMb)} MiB`, `wall ${fmt(r.wallS)} s`],
    ],
    notes: [
      "claims_per_s = the 500 burst's requests claimed / (its last claim's block time − its first request's block time); request_to_claim = claim block time − request block time (1 s resolution). lost = requests not claimed or not finalized after the window; double_claims = requests with two ClaimSubmitted. challenger_lag = the watcher's verdict log time − the claim's block time. One run: anvil, the submitter (`opml submitter`, a child process, --max-in-flight 256, its default) and the watcher on the same machine.",
    ],
  };
}
