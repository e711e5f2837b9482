import { test } from "node:test";
import assert from "node:assert/strict";
import { CHAIN_TIME_LAG_TOLERANCE_S, describeChainTimeLag } from "../chainTimeLag.ts";

const NOW_MS = 1_796_617_121_500; // a wall clock at 1796617121.5 s

test("describeChainTimeLag says nothing while chain time is within the tolerance of the wall clock", () => {
  assert.equal(describeChainTimeLag(1_796_617_121n, NOW_MS), undefined);
  assert.equal(describeChainTimeLag(1_796_617_121n - BigInt(CHAIN_TIME_LAG_TOLERANCE_S), NOW_MS), undefined);
  assert.equal(describeChainTimeLag(1_796_617_200n, NOW_MS), undefined, "a chain ahead of the wall clock");
});

test("describeChainTimeLag names the lag in seconds and the devnet's mining mode once it matters", () => {
  const message = describeChainTimeLag(1_796_616_784n, NOW_MS);
  assert.ok(message);
  assert.match(message, /chain time is 337 s behind the wall clock/);
  assert.match(message, /mines on transactions only when interval mining is off/);
  assert.match(message, /opml devnet --block-time 0/);
});
