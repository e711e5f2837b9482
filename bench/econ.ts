/**
 * The self-challenge attack's best case for the attacker (`econ.self_challenge_profit_wei`, must
 * be ≤ 0): forge runs contracts/test/oracle/SelfChallenge.t.sol's
 * `test_econ_selfChallengeProfit_neverPositive` — a liar self-challenging its false claim from
 * 1, 3 or 8 sock addresses, ending its own games first, over burn shares 10–100% and three bond
 * pairs, with and without an honest watchtower's game — and this module reads the maximum profit
 * the test logs.
 */
import { spawnSync } from "node:child_process";
import { REPO_ROOT, foundryBinary } from "../chain/foundry.ts";
import type { BenchReport } from "./harness.ts";

const TEST = "test_econ_selfChallengeProfit_neverPositive";

/** The value of a `log_named_*` line `name: value` in forge's -vv output. */
function logged(out: string, name: string): bigint {
  const m = new RegExp(`^\\s*${name.replace(/\./g, "\\.")}: (-?\\d+)\\s*$`, "m").exec(out);
  if (!m) throw new Error(`forge printed no ${name}:\n${out.slice(-2000)}`);
  return BigInt(m[1]!);
}

export function bench(): Promise<BenchReport> {
  const r = spawnSync(foundryBinary("forge"), ["test", "--match-test", TEST, "-vv"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`forge test ${TEST} failed (exit ${r.status}):\n${out.slice(-4000)}`);
  const profit = logged(out, "econ.self_challenge_profit_wei");
  const cases = logged(out, "econ.self_challenge_cases");
  const eth = (wei: bigint) => `${Number(wei) / 1e18} ETH`;
  return Promise.resolve({
    title: "Incentives: the self-challenge attack",
    metrics: { "econ.self_challenge_profit_wei": Number(profit), "econ.self_challenge_cases": Number(cases) },
    rows: [
      [
        "self-challenge: the attacker's best profit",
        `${profit} wei (${eth(profit)})`,
        `max over ${cases} cases: burn 10/25/50/100%, three bond pairs, 1/3/8 socks, with and without an honest game`,
      ],
    ],
    notes: [
      "Profit = what the liar and its sock addresses are credited, less what they deposited (bonds), at the end of every game against the rejected claim. Goal: ≤ 0 at every parameter.",
    ],
  });
}
