/**
 * OrtGemm on CPUs this machine is not, through qemu's user-mode emulation (Debian's qemu-user):
 * on an AVX2 CPU without VNNI (Haswell) onnxruntime's uint8 × int8 GEMM saturates pair sums, the
 * probe says so and OrtGemm takes uint8 weights, exact; on an SSE4.2 CPU (Nehalem) likewise the
 * probe's verdict is what int8 weights do, and OrtGemm's choice is exact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const QEMU = "/usr/bin/qemu-x86_64";
const PROBE = fileURLToPath(new URL("./ortGemmCpuProbe.ts", import.meta.url));
const REQUIRED = process.env.OPML_REQUIRE_QEMU === "1";

interface ProbeResult {
  probe: boolean;
  int8: { weights: string; exact: boolean };
  uint8: { weights: string; exact: boolean };
  auto: { weights: string; exact: boolean };
}

async function probeOn(cpu: string): Promise<ProbeResult> {
  const { stdout } = await promisify(execFile)(QEMU, ["-cpu", cpu, process.execPath, "--import", "tsx", PROBE], {
    timeout: 300_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as ProbeResult;
}

test("on emulated AVX2 and SSE CPUs the int8-weight probe catches saturation and OrtGemm stays exact", async (t) => {
  if (process.platform !== "linux" || process.arch !== "x64" || !existsSync(QEMU)) {
    const msg = `emulated-CPU GEMM checks NOT RUN: ${QEMU} is missing (apt-get install qemu-user)`;
    if (REQUIRED) assert.fail(`${msg}; OPML_REQUIRE_QEMU=1 makes that a failure`);
    console.warn(`\n*** ${msg} ***\n`);
    t.skip(msg);
    return;
  }
  const [haswell, nehalem] = await Promise.all([probeOn("Haswell-v4"), probeOn("Nehalem")]);
  assert.equal(haswell.int8.exact, false, "AVX2's uint8 × int8 kernel saturates the largest pair sums");
  for (const [cpu, r] of [
    ["Haswell", haswell],
    ["Nehalem", nehalem],
  ] as const) {
    assert.equal(r.probe, r.int8.exact, `${cpu}: the probe's verdict is what int8 weights do`);
    assert.equal(r.uint8.exact, true, `${cpu}: uint8 weights are exact`);
    assert.deepEqual(r.auto, { weights: r.probe ? "int8" : "uint8", exact: true }, `${cpu}: OrtGemm's choice`);
  }
});
