import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataDirLockedError, DataDirUnusableError, LOCK_FILE, lockDataDir } from "../dataDirLock.ts";

const dir = () => mkdtempSync(join(tmpdir(), "opml-lock-"));
const holderPid = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as { pid: number }).pid;

test("a data directory held by another live process is refused, naming its pid and role", async () => {
  const d = dir();
  const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: other.pid, role: "challenger" }));
    assert.throws(
      () => lockDataDir(d, "submitter"),
      (e: unknown) =>
        e instanceof DataDirLockedError &&
        e.pid === other.pid &&
        e.role === "challenger" &&
        /in use by another daemon \(challenger, pid \d+\)/.test(e.message) &&
        /its own --data-dir/.test(e.details ?? ""),
    );
    assert.equal(holderPid(join(d, LOCK_FILE)), other.pid, "the holder keeps its lock");
  } finally {
    other.kill();
    await new Promise((r) => other.once("exit", r));
  }
});

test("a lock left by a process that died (kill -9, crash) is taken over", () => {
  const d = dir();
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), role: "submitter" }));
  const lock = lockDataDir(d, "submitter");
  assert.equal(holderPid(lock.file), process.pid);
  lock.release();
  assert.equal(existsSync(lock.file), false, "release removes the lock");
  lock.release(); // twice is harmless
});

test("a torn lock file (no pid) is taken over; release leaves a lock that another process took meanwhile", () => {
  const d = dir();
  writeFileSync(join(d, LOCK_FILE), '{ "pi');
  const lock = lockDataDir(d, "challenger");
  writeFileSync(lock.file, JSON.stringify({ pid: 1, role: "challenger" }));
  lock.release();
  assert.equal(existsSync(lock.file), true, "not this process's lock any more: left alone");
});

test("a data directory that is a file is refused with DataDirUnusableError, not a raw EEXIST", () => {
  const file = join(dir(), "not-a-dir");
  writeFileSync(file, "x");
  assert.throws(
    () => lockDataDir(file, "submitter"),
    (e: unknown) => e instanceof DataDirUnusableError && e.dir === file && /cannot be used \(E[A-Z]+\)/.test(e.message),
  );
});
