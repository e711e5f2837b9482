import { test } from "node:test";
import assert from "node:assert/strict";
import { concat, keccak256, pad, stringToHex, toHex, type Hex } from "viem";
import {
  BisectionRangeError,
  commitmentsHash,
  GraphStateTrace,
  PositionOutOfRangeError,
  TraceMismatchError,
  vmRunFromHashes,
  vmStatusOf,
  vmTrace,
  VM_HALTED,
  VM_RUNNING,
  VM_TRAPPED,
} from "../index.ts";

const w = (i: number): Hex => pad(toHex(i + 1), { size: 32 });
const tagged = (status: number, i: number): Hex => `0x${status.toString(16).padStart(2, "0")}${w(i).slice(4)}`;

test("GraphStateTrace answers S_i at position i over [0, N] and refuses positions outside it", async () => {
  const states = [0, 1, 2, 3, 4].map(w);
  const t = new GraphStateTrace(states);
  assert.equal(t.length, 4n);
  for (let i = 0; i <= 4; i++) assert.equal(await t.commitmentAt(BigInt(i)), states[i]);
  await assert.rejects(t.commitmentAt(5n), PositionOutOfRangeError);
  await assert.rejects(t.commitmentAt(-1n), PositionOutOfRangeError);
  assert.throws(() => new GraphStateTrace([w(0)]), BisectionRangeError);
  assert.throws(() => new GraphStateTrace([w(0), "0x1234"]), BisectionRangeError);
});

test("vmTrace pads a halted run with its final state up to 2^D, and a trapped run likewise", async () => {
  for (const status of [VM_HALTED, VM_TRAPPED]) {
    const hashes = [tagged(VM_RUNNING, 0), tagged(VM_RUNNING, 1), tagged(VM_RUNNING, 2), tagged(status, 3)];
    const t = vmTrace(vmRunFromHashes(hashes), 3n);
    assert.equal(t.length, 8n);
    for (let p = 0; p <= 8; p++) assert.equal(await t.commitmentAt(BigInt(p)), hashes[Math.min(p, 3)]);
    assert.equal(vmStatusOf(await t.commitmentAt(8n)), status);
  }
});

test("vmTrace refuses to pad a run whose final state is still running, a run longer than 2^D, and positions past 2^D", async () => {
  const running = vmTrace(vmRunFromHashes([tagged(VM_RUNNING, 0), tagged(VM_RUNNING, 1)]), 2n);
  assert.equal(await running.commitmentAt(1n), tagged(VM_RUNNING, 1));
  await assert.rejects(running.commitmentAt(2n), TraceMismatchError);
  const five = [0, 1, 2, 3, 4].map((i) => tagged(i === 4 ? VM_HALTED : VM_RUNNING, i));
  assert.throws(() => vmTrace(vmRunFromHashes(five), 1n), BisectionRangeError);
  const exact = vmTrace(vmRunFromHashes(five), 2n); // 4 steps exactly fill [0, 4]
  assert.equal(await exact.commitmentAt(4n), five[4]);
  await assert.rejects(exact.commitmentAt(5n), PositionOutOfRangeError);
  assert.throws(() => vmTrace(vmRunFromHashes(five), 63n), BisectionRangeError);
});

test("commitmentsHash is keccak256(bytes32('opml.game.commitments.v1') ‖ c_1 ‖ … ‖ c_{m-1}) and refuses non-32-byte words", () => {
  const cs = [w(7), w(8), w(9)];
  assert.equal(commitmentsHash(cs), keccak256(concat([stringToHex("opml.game.commitments.v1", { size: 32 }), ...cs])));
  assert.notEqual(commitmentsHash(cs), commitmentsHash([w(7), w(9), w(8)]));
  assert.throws(() => commitmentsHash(["0x01"]), BisectionRangeError);
});
