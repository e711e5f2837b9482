/**
 * This machine's VM speed in steps per second, measured once per process (at a daemon's start):
 * the recorded VM runs (with snapshots, as the daemons trace) of every node of dnn-lib's tiny-mlp,
 * repeated for at least 200 ms. It feeds the deadline checks (deadline.ts).
 */
import { compileModel } from "../../dnn-lib/src/model/compileModel.ts";
import { tinyMlp } from "../../dnn-lib/test/tinyModels.ts";
import { ServedModel, SNAPSHOT_INTERVAL } from "../../submitter/claim.ts";
import { Trace } from "../../vm/index.ts";

let measured: Promise<number> | undefined;

async function measure(minMs: number): Promise<number> {
  const served = await ServedModel.create(await compileModel(tinyMlp()));
  const input = new Uint8Array(served.compiled.commitment.inputLength).map((_, i) => (i * 37) & 0xff);
  const claim = served.claim(input);
  const machines = await Promise.all(served.compiled.model.nodes.map((_, i) => served.nodeMachine(claim, i)));
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (const m of machines) {
      const t = new Trace(m.program, m.options, SNAPSHOT_INTERVAL);
      t.record();
      steps += t.finalSteps;
    }
  }
  return steps / ((performance.now() - t0) / 1000);
}

/** Steps per second of a traced VM run on this machine (measured on the first call, then remembered). */
export function vmStepsPerSecond(): Promise<number> {
  measured ??= measure(200);
  return measured;
}
