import { test } from "node:test";
import assert from "node:assert/strict";
import { VmJobCancelledError, VmScheduler } from "../vmScheduler.ts";

// The VM scheduler with jobs that are counted slices, not VM runs: which job gets each slice.

/** A job of `slices` slices that logs its name at each; returns its name. */
function job(log: string[], name: string, slices: number) {
  return function* () {
    for (let i = 1; i < slices; i++) {
      log.push(name);
      yield;
    }
    log.push(name);
    return name;
  };
}

test("jobs queued together run earliest deadline first, each to its end", async () => {
  const s = new VmScheduler();
  const log: string[] = [];
  const done = await Promise.all([
    s.run("late", job(log, "late", 2), { deadline: 300 }),
    s.run("soon", job(log, "soon", 3), { deadline: 100 }),
    s.run("mid", job(log, "mid", 2), { deadline: 200 }),
  ]);
  assert.deepEqual(done, ["late", "soon", "mid"]);
  assert.deepEqual(log, ["soon", "soon", "soon", "mid", "mid", "late", "late"]);
  assert.deepEqual(
    s.finished.map((f) => [f.key, f.slices]),
    [
      ["soon", 3],
      ["mid", 2],
      ["late", 2],
    ],
  );
});

test("a job with an earlier deadline preempts a running one at the next slice", async () => {
  const s = new VmScheduler();
  const log: string[] = [];
  const long = s.run("long", job(log, "long", 6), { deadline: 500 });
  while (log.length < 2) await new Promise((r) => setImmediate(r));
  const urgent = s.run("urgent", job(log, "urgent", 2), { deadline: 100 });
  await Promise.all([long, urgent]);
  const firstUrgent = log.indexOf("urgent");
  assert.ok(firstUrgent >= 2 && firstUrgent <= 3, `urgent starts at the next slice: ${log.join(",")}`);
  assert.deepEqual(log.slice(firstUrgent, firstUrgent + 2), ["urgent", "urgent"]);
  assert.equal(log.filter((x) => x === "long").length, 6);
});

test("background work runs only while no due job waits, and a due request for it makes it due", async () => {
  const s = new VmScheduler();
  const log: string[] = [];
  const ahead = s.run("ahead", job(log, "ahead", 2), { background: true });
  const due = s.run("due", job(log, "due", 2), { deadline: 1e12 });
  const other = s.run("other", job(log, "other", 2), { background: true });
  s.expedite("other", { deadline: 5 }); // a move now needs it
  await Promise.all([ahead, due, other]);
  assert.deepEqual(log, ["other", "other", "due", "due", "ahead", "ahead"]);
});

test("one key is one run: a second caller shares it and lowers its deadline", async () => {
  const s = new VmScheduler();
  const log: string[] = [];
  let runs = 0;
  const counted = () => {
    runs++;
    return job(log, "x", 2)();
  };
  const a = s.run("x", counted, { deadline: 900 });
  const b = s.run("y", job(log, "y", 2), { deadline: 500 });
  const c = s.run("x", counted, { deadline: 100 });
  assert.equal(a, c);
  await Promise.all([a, b, c]);
  assert.equal(runs, 1);
  assert.deepEqual(log, ["x", "x", "y", "y"]);
  assert.deepEqual(s.queue(), []);
});

test("a failing job rejects alone; cancelAll rejects what is queued with VmJobCancelledError", async () => {
  const s = new VmScheduler();
  const log: string[] = [];
  const bad = s.run(
    "bad",
    function* () {
      yield;
      throw new RangeError("boom");
    },
    { deadline: 1 },
  );
  const good = s.run("good", job(log, "good", 2), { deadline: 2 });
  await assert.rejects(bad, RangeError);
  assert.equal(await good, "good");

  const never = s.run("never", job(log, "never", 1000), { deadline: 1 });
  assert.deepEqual(s.queue(), ["never"]);
  s.cancelAll("test over");
  await assert.rejects(never, VmJobCancelledError);
  await s.idle();
  assert.ok(log.filter((x) => x === "never").length < 1000);
});
