/**
 * Child process of the dnnLadder bench: a fresh Node process that loads the native runner, runs
 * tiny-mlp once and prints its resident set size in MiB as one JSON line: a runner process's
 * floor, before any large model's weights. With `--asc` it also loads the AssemblyScript
 * compiler first, for the figure a runner would pay if it did.
 */
import { loadAsc } from "../common/asc.js";
import { compileGraph } from "../dnn-lib/src/model/compileGraph.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { tinyMlp } from "../dnn-lib/models/tiny.ts";

if (process.argv.includes("--asc")) await loadAsc();
const model = tinyMlp();
const runner = await NativeRunner.create(compileGraph(model));
runner.infer(new Uint8Array(model.inputLength));
console.log(JSON.stringify({ rss_mb: process.memoryUsage().rss / 2 ** 20 }));
