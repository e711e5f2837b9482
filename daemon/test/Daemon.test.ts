import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient, custom } from "viem";
import { readContract } from "viem/actions";
import { foundry } from "viem/chains";
import { OpmlError } from "../../common/errors.ts";
import { opmlOracleAbi } from "../../sdk/abi.ts";
import { Daemon, type DaemonOptions } from "../Daemon.ts";
import { captureLogs } from "./captureLogs.ts";

// The loop both daemons run, with a probe role and an RPC endpoint that answers garbage: a failing
// part of a pass is logged at error level with a typed error (never a viem error with its ABI),
// the loop keeps passing, and stop() ends it without waiting out the poll interval.

const ORACLE = "0x00000000000000000000000000000000000000aa";

/** A client whose endpoint answers every method with a value of the wrong shape. */
function garbageClient() {
  return createClient({
    chain: foundry,
    transport: custom({
      async request({ method }: { method: string }) {
        if (method === "eth_call") return "0x1234";
        if (method === "eth_getBlockByNumber") return { number: "twelve", hash: 7 };
        return "0xnot-a-quantity";
      },
    }),
  });
}

class ProbeError extends OpmlError {
  override name = "ProbeError";
}

/** A role that follows nothing and runs `onAct` each pass. */
class ProbeDaemon extends Daemon<string[]> {
  passes = 0;
  constructor(
    opts: DaemonOptions,
    private readonly onAct: (pass: number) => Promise<void>,
  ) {
    super(opts, { role: "challenger", stateName: "probe", decodeItems: (raw) => raw as string[], gameKey: "claimId" });
  }
  protected items(): string[] {
    return [];
  }
  protected restoreItems(): void {}
  protected async scanEvents(): Promise<void> {}
  protected async act(): Promise<void> {
    this.passes++;
    await this.onAct(this.passes);
  }
  protected async gameSide() {
    return undefined;
  }
}

function probe(onAct: (pass: number) => Promise<void>, pollMs = 5) {
  const logs = captureLogs();
  const daemon = new ProbeDaemon(
    {
      client: garbageClient(),
      oracle: ORACLE,
      logger: logs.logger,
      pollMs,
      retry: { attempts: 1, timeoutMs: 2000 },
      stepsPerSecond: 1e6,
    },
    onAct,
  );
  return { daemon, ...logs };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("failing passes are logged with typed errors and no ABI; the loop keeps passing", async () => {
  const { daemon, lines, raw } = probe(async (pass) => {
    if (pass === 2) throw new TypeError("a bug in the role");
    if (pass === 3) throw new ProbeError("the role's own typed error");
  });
  daemon.start();
  try {
    await until("four passes", () => daemon.passes >= 4);
  } finally {
    await daemon.stop();
  }
  const scans = lines.filter((l) => l.msg === "scan failed; will retry");
  assert.ok(scans.length >= 4, "every pass's scan failed and was logged");
  for (const l of scans) {
    const err = l.err as { type: string; causeName: string; message: string };
    assert.equal(l.level, 50);
    assert.equal(err.type, "DaemonPassError");
    assert.equal(err.causeName, "ContractFunctionExecutionError");
    assert.match(err.message, /disputeGame/);
  }
  const failed = lines.filter((l) => l.msg === "pass failed; will retry").map((l) => l.err as Record<string, string>);
  assert.deepEqual(
    failed.map((e) => [e.type, e.causeName]),
    [
      ["DaemonPassError", "TypeError"],
      ["ProbeError", undefined],
    ],
  );
  assert.ok(
    raw.every((l) => !l.includes('"abi"') && !l.includes("registerModel")),
    "no log line carries the oracle's ABI",
  );
});

test("stop() ends the loop without waiting out the poll interval", async () => {
  const { daemon } = probe(async () => {}, 60_000);
  daemon.start();
  await until("a first pass", () => daemon.passes >= 1);
  const t0 = Date.now();
  await daemon.stop();
  assert.ok(Date.now() - t0 < 5_000, `stop took ${Date.now() - t0} ms`);
  assert.equal(daemon.passes, 1);
});

test("a viem contract error logged as is loses its ABI (the logger's error serializer)", async () => {
  const { logger, lines, raw } = captureLogs();
  const err = await readContract(garbageClient(), {
    address: ORACLE,
    abi: opmlOracleAbi,
    functionName: "getClaim",
    args: [1n],
  }).catch((e: unknown) => e);
  assert.ok(err instanceof Error && "abi" in err, "viem's error carries the ABI");
  logger.error({ err }, "logged directly");
  assert.equal((lines[0]!.err as { type: string }).type, "ContractFunctionExecutionError");
  assert.ok(!raw[0]!.includes('"abi"') && !raw[0]!.includes("registerModel"));
});
