import { test } from "node:test";
import assert from "node:assert/strict";
import { Progress, type ProgressSink } from "../../common/progress.ts";

/** A sink that records writes, with a settable clock. */
function sink(isTTY: boolean) {
  const s = { text: "", isTTY, columns: 100, write: (c: string) => void (s.text += c) };
  let t = 0;
  return { s: s as ProgressSink & { text: string }, now: () => t, advance: (ms: number) => void (t += ms) };
}

test("on a TTY a bar is redrawn in place (carriage return, no newline) at most every redrawMs, then replaced by one done line", () => {
  const { s, now, advance } = sink(true);
  const task = new Progress({ sink: s, now, redrawMs: 100 }).start("Tracing node 0", 1000, "steps");
  task.update(250);
  const afterEarly = s.text;
  advance(150);
  task.update(500);
  assert.equal(afterEarly.includes("500/1,000"), false, "a redraw before redrawMs is skipped");
  assert.match(s.text, /\rTracing node 0 \[#{12}-{12}\] 50% 500\/1,000 steps/);
  assert.doesNotMatch(s.text, /\n/, "no newline while the bar runs");
  advance(1850);
  task.update(1000);
  task.done("halted");
  assert.ok(s.text.endsWith("\rTracing node 0: done, 1,000/1,000 steps in 2.0 s (halted)\u001b[K\n"), s.text);
});

test("without a TTY progress is plain lines, one at the start, one at most every lineMs, one at the end, never a carriage return", () => {
  const { s, now, advance } = sink(false);
  const task = new Progress({ sink: s, now, lineMs: 2000 }).start("Merkleizing weights", 8, "tensors");
  for (let k = 1; k <= 8; k++) {
    advance(500);
    task.update(k);
  }
  task.done();
  assert.equal(s.text.includes("\r"), false);
  assert.deepEqual(s.text.trimEnd().split("\n"), [
    "Merkleizing weights... (0/8 tensors)",
    "Merkleizing weights: 50% 4/8 tensors",
    "Merkleizing weights: 100% 8/8 tensors",
    "Merkleizing weights: done, 8/8 tensors in 4.0 s",
  ]);
});

test("a silent reporter (--json, --quiet) writes nothing, on a TTY or not", () => {
  for (const tty of [true, false]) {
    const { s } = sink(tty);
    const task = new Progress({ sink: s, silent: true }).start("Compiling", 3);
    task.update(1);
    task.done();
    assert.equal(s.text, "");
  }
});
