/**
 * The input token bound (src/model/inputTokenBound.ts): gpt's is its vocabulary (its embedding
 * reads the input), tiny-mlp's and a generation model's are 0; and it is exact — over seeded
 * random inputs with ids around the bound, the check refuses an input exactly when the native
 * runner traps on it, naming the first out-of-range word and its signed value.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModelSource } from "../models/modelSource.ts";
import { tinyMlp } from "../models/tiny.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { checkInputTokens, inputTokenBound, InputTokenOutOfRangeError } from "../src/model/inputTokenBound.ts";
import { unrollGeneration } from "../src/generation/unrollGeneration.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { DnnKernelTrapError } from "../src/errors.ts";
import { Rng } from "../../common/rng.ts";

const gpt = loadModelSource("gpt").then((s) => s.model);

const words = (ids: number[]) => new Uint8Array(Int32Array.from(ids).buffer);

test("gpt's input token bound is its vocabulary (64); tiny-mlp and gpt unrolled for generation have none (0)", async () => {
  const model = await gpt;
  assert.equal(inputTokenBound(model), 64);
  assert.equal(compileGraph(model).commitment.inputTokenBound, 64);
  assert.equal(inputTokenBound(tinyMlp()), 0);
  assert.equal(inputTokenBound(unrollGeneration(model, { context: 4 }).model), 0);
});

test("checkInputTokens names the first word outside [0, bound) with its signed value; bound 0 takes anything", () => {
  assert.doesNotThrow(() => checkInputTokens(words([0, 63, 7]), 64));
  assert.doesNotThrow(() => checkInputTokens(words([-5, 1 << 30]), 0));
  for (const [ids, position, value] of [
    [[1, 64, -1], 1, 64],
    [[-1, 70], 0, -1],
    [[0, 1, -2147483648], 2, -2147483648],
  ] as const) {
    assert.throws(
      () => checkInputTokens(words([...ids]), 64),
      (e: unknown) =>
        e instanceof InputTokenOutOfRangeError &&
        e.position === position &&
        e.value === value &&
        e.bound === 64 &&
        e.shortMessage.includes(`input token ${position} is ${value}`),
    );
  }
});

test("the bound is exact on gpt: the check refuses an input exactly when the native runner traps on it (seeded)", async () => {
  const model = await gpt;
  const compiled = compileGraph(model);
  const runner = await NativeRunner.create(compiled);
  const bound = compiled.commitment.inputTokenBound;
  const rng = new Rng(0x7a9);
  const T = model.inputLength / 4;
  const near = [-(2 ** 31), -1, bound - 1, bound, bound + 1, 2 ** 31 - 1];
  let refused = 0;
  for (let k = 0; k < 24; k++) {
    // Mostly in range, some words at or past either edge, so both outcomes come up.
    const ids = Array.from({ length: T }, () =>
      rng.below(8) === 0 ? near[rng.below(near.length)]! : rng.below(bound),
    );
    const input = words(ids);
    const checked = (() => {
      try {
        checkInputTokens(input, bound);
        return true;
      } catch (e) {
        assert.ok(e instanceof InputTokenOutOfRangeError);
        const first = ids.findIndex((v) => v < 0 || v >= bound);
        assert.equal(e.position, first);
        assert.equal(e.value, ids[first]);
        return false;
      }
    })();
    const ran = (() => {
      try {
        runner.infer(input);
        return true;
      } catch (e) {
        assert.ok(e instanceof DnnKernelTrapError, `input ${k}: ${String(e)}`);
        return false;
      }
    })();
    assert.equal(ran, checked, `input ${k} (${ids.join(",")}): runner ${ran ? "ran" : "trapped"}`);
    if (!checked) refused++;
  }
  assert.ok(refused > 0 && refused < 24, `both outcomes seen (${refused} refused)`);
});
