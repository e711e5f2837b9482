/**
 * genInit (op 29) and genSample (op 30), docs/fixed-point.md §3.3: on every node the reference,
 * the SIMD build, the VM build under V8 and the VM build run by the project's VM (vm/) agree bit
 * for bit and the VM run stays within estimateSteps; hand-made nodes check what the bits mean.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op } from "../../dnn-lib/src/ops.ts";
import type { NodeSpec } from "../../dnn-lib/src/nodeInput.ts";
import { exp2Table, GenStop, GenWord } from "../../dnn-lib/src/reference/generation.ts";
import { randomNode } from "../../dnn-lib/src/randomNode.ts";
import { wordBytes } from "../../dnn-lib/src/randomGenNode.ts";
import { Rng } from "../../common/rng.ts";
import { fourWay as fourWayBytes } from "./fourWay.ts";

const INT_MAX = 0x7fffffff;

/** The output of the four runs (which must agree, within the step estimate) as int32 words. */
async function fourWay(node: NodeSpec): Promise<Int32Array> {
  return new Int32Array((await fourWayBytes(node)).slice().buffer);
}

interface Header {
  promptLen: number;
  maxNew: number;
  seed?: number;
  invTemp?: number;
  topK?: number;
  generated?: number;
  stop?: number;
}
/** A generation state (or request) of context C: the header words, then the tokens, zeros after. */
function stateOf(C: number, h: Header, tokens: readonly number[]): Int32Array {
  const s = new Int32Array(8 + C);
  s.set([h.promptLen, h.maxNew, h.seed ?? 0, h.invTemp ?? 0, h.topK ?? 0, h.generated ?? 0, h.stop ?? 0, 0]);
  s.set(tokens, 8);
  return s;
}
const initNode = (req: Int32Array, Gmax: number, V: number): NodeSpec => ({
  op: Op.genInit,
  inputs: [wordBytes(req)],
  params: [req.length - 8, Gmax, V],
});
function sampleNode(state: Int32Array, logits: readonly number[], pos: number, eos = -1, exp2 = exp2Table()): NodeSpec {
  return {
    op: Op.genSample,
    inputs: [wordBytes(state), wordBytes(Int8Array.from(logits)), wordBytes(exp2)],
    params: [state.length - 8, logits.length, pos, eos],
  };
}
/** The token genSample writes at position 1 of a running 1-token prompt, for each seed 0 … n − 1. */
async function tokens(logits: readonly number[], h: Omit<Header, "promptLen" | "maxNew">, n: number) {
  const out: number[] = [];
  for (let seed = 0; seed < n; seed++) {
    const s = await fourWay(sampleNode(stateOf(4, { promptLen: 1, maxNew: 3, ...h, seed }, [0]), logits, 0));
    out.push(s[9]!);
  }
  return out;
}
const distinct = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

describe("genInit and genSample: reference = SIMD build = VM build (V8) = VM build in vm/, bit for bit", () => {
  for (const name of ["genInit", "genSample"] as const)
    test(`${name}: 60 random and 60 edge-case nodes agree in all four runs, within the step estimate`, async () => {
      const rng = new Rng(0x9e4e0000 + Op[name]);
      for (let i = 0; i < 120; i++) await fourWay(randomNode(name, rng, i >= 60));
    });

  test("genInit: a valid request keeps its prompt, zeroes words 5–7 and the rest; every invalid kind gives stop 3 and no tokens", async () => {
    const C = 8,
      V = 10,
      Gmax = 4;
    const valid = stateOf(
      C,
      { promptLen: 3, maxNew: 4, seed: -5, invTemp: 65536, topK: 10, generated: 7, stop: 2 },
      [9, 0, 4, 6, 6, 6, 6, 6],
    );
    valid[7] = 99;
    assert.deepEqual(
      [...(await fourWay(initNode(valid, Gmax, V)))],
      [3, 4, -5, 65536, 10, 0, 0, 0, 9, 0, 4, 0, 0, 0, 0, 0],
    );
    const invalid: [string, (r: Int32Array) => void][] = [
      ["promptLen 0", (r) => (r[0] = 0)],
      ["promptLen −1", (r) => (r[0] = -1)],
      ["maxNew 0", (r) => (r[1] = 0)],
      ["maxNew > Gmax", (r) => (r[1] = Gmax + 1)],
      ["promptLen + maxNew > C", (r) => (r[0] = 5)],
      ["promptLen + maxNew past the int32 range", (r) => (r[0] = INT_MAX)],
      ["negative invTemp", (r) => (r[3] = -1)],
      ["topK > V", (r) => (r[4] = V + 1)],
      ["negative topK", (r) => (r[4] = -1)],
      ["a prompt token = V", (r) => (r[10] = V)],
      ["a negative prompt token", (r) => (r[8] = -1)],
    ];
    for (const [what, spoil] of invalid) {
      const req = valid.slice();
      spoil(req);
      const out = await fourWay(initNode(req, Gmax, V));
      assert.deepEqual([...out.subarray(0, 5)], [...req.subarray(0, 5)], what);
      assert.deepEqual([...out.subarray(5)], [0, GenStop.invalid, 0, ...new Array<number>(C).fill(0)], what);
    }
    // the bounds themselves are valid: promptLen + maxNew = C, maxNew = Gmax, topK = V, token V − 1
    const edge = stateOf(C, { promptLen: 4, maxNew: 4, topK: V }, [V - 1, 0, 0, V - 1]);
    assert.equal((await fourWay(initNode(edge, Gmax, V)))[GenWord.stop], GenStop.running);
  });

  test("genSample: inside the prompt and once stopped the state is unchanged; on a genInit-invalid state too", async () => {
    const logits = [1, 2, 3];
    const s = stateOf(6, { promptLen: 4, maxNew: 2, topK: 1 }, [2, 1, 0, 2]);
    for (const pos of [0, 1, 2]) assert.deepEqual(await fourWay(sampleNode(s, logits, pos)), s, `pos ${pos}`);
    const first = await fourWay(sampleNode(s, logits, 3)); // pos + 1 = promptLen: the first new token
    assert.deepEqual([...first.subarray(5, 7)], [1, GenStop.running]);
    assert.equal(first[8 + 4], 2);
    for (const stop of [GenStop.endToken, GenStop.length, GenStop.invalid]) {
      const stopped = stateOf(6, { promptLen: 1, maxNew: 4, topK: 1, generated: 1, stop }, [2, 2]);
      assert.deepEqual(await fourWay(sampleNode(stopped, logits, 1)), stopped, `stop ${stop}`);
    }
  });

  test("genSample greedy (topK 1): the first index of the maximum, whatever the seed and temperature", async () => {
    const logits = [3, 9, 9, -1, 9, -128, 9];
    assert.deepEqual(distinct(await tokens(logits, { topK: 1, invTemp: 0 }, 8)), [1]);
    assert.deepEqual(distinct(await tokens(logits, { topK: 1, invTemp: INT_MAX }, 8)), [1]);
  });

  test("genSample top-k: the candidates are every logit above θ and the first K − g at θ, in index order", async () => {
    const logits = [5, 7, 7, 3, 7, 7, 6, 7];
    // K = 3: θ = 7, g = 0: the first three 7s
    assert.deepEqual(distinct(await tokens(logits, { topK: 3, invTemp: 0 }, 48)), [1, 2, 4]);
    // K = 6: θ = 6, g = 5 (every 7), one at 6
    assert.deepEqual(distinct(await tokens(logits, { topK: 6, invTemp: 0 }, 64)), [1, 2, 4, 5, 6, 7]);
    // K = 7: θ = 5, g = 6, the one 5
    assert.deepEqual(distinct(await tokens(logits, { topK: 7, invTemp: 0 }, 64)), [0, 1, 2, 4, 5, 6, 7]);
  });

  test("genSample topK 0, topK ≥ V: every token is a candidate, and topK V + 3 samples exactly as topK 0", async () => {
    const logits = [-128, 127, 0, -1, 50, 127];
    const all = await tokens(logits, { topK: 0, invTemp: 0 }, 64);
    assert.deepEqual(distinct(all), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(await tokens(logits, { topK: logits.length + 3, invTemp: 0 }, 64), all);
    assert.deepEqual(await tokens(logits, { topK: logits.length, invTemp: 0 }, 64), all);
  });

  test("genSample at a large invTemp: every weight but the maximum's underflows to 0, so it is always the maximum", async () => {
    const logits = [126, 127, 125, -128, 120];
    for (const invTemp of [32 * 65536, 1 << 24, INT_MAX])
      assert.deepEqual(distinct(await tokens(logits, { topK: 0, invTemp }, 24)), [1], `invTemp ${invTemp}`);
    // just below: a logit one unit down weighs exp2[0] >> 31 = 0 too, two units down 0
    assert.deepEqual(distinct(await tokens(logits, { topK: 0, invTemp: 31 * 65536 }, 24)), [1]);
  });

  test("genSample: the end token stops with 1 (before the length check), the last new token with 2", async () => {
    const logits = [0, 4, 2];
    const at = (h: Header, eos: number) =>
      fourWay(sampleNode(stateOf(5, { topK: 1, ...h }, [2, 2, 0]), logits, 2, eos));
    const eosHit = await at({ promptLen: 2, maxNew: 3, generated: 1 }, 1);
    assert.deepEqual([...eosHit.subarray(5, 7)], [2, GenStop.endToken]);
    assert.equal(eosHit[8 + 3], 1);
    const both = await at({ promptLen: 2, maxNew: 2, generated: 1 }, 1);
    assert.deepEqual([...both.subarray(5, 7)], [2, GenStop.endToken]);
    const length = await at({ promptLen: 2, maxNew: 2, generated: 1 }, 0);
    assert.deepEqual([...length.subarray(5, 7)], [2, GenStop.length]);
    const running = await at({ promptLen: 2, maxNew: 3, generated: 1 }, -1);
    assert.deepEqual([...running.subarray(5, 7)], [2, GenStop.running]);
  });

  test("genSample with V = 32000 (top-40 at invTemp 1.0, and every token at 0.5) agrees in all four runs", async () => {
    const rng = new Rng(32000);
    const logits = Array.from({ length: 32000 }, () => rng.int(-128, 127));
    for (const [topK, invTemp] of [
      [40, 65536],
      [0, 32768],
    ] as const) {
      const s = stateOf(
        16,
        { promptLen: 5, maxNew: 8, seed: 0x5eed, invTemp, topK, generated: 2 },
        [1, 2, 3, 4, 5, 6, 7],
      );
      const out = await fourWay(sampleNode(s, logits, 6, 31999));
      assert.equal(out[GenWord.generated], 3);
      assert.ok(out[8 + 7]! >= 0 && out[8 + 7]! < 32000);
    }
  });
});
