// The worker thread between WebGpuBackend (which blocks on a shared flag) and the WebGPU child
// processes. It forwards each request to a child and posts the reply back on the port, then raises
// the flag. There is one child per op code: Dawn's OpenGL ES backend on llvmpipe runs one compute
// pipeline over and over without trouble but often crashes when a process switches between two.
// When a child dies before replying (Dawn aborts now and then), the bridge starts a fresh one,
// uploads the weights again and resends the request, up to `retries` times; a reply (a result or a
// typed error) is never retried. Plain JavaScript: it loads no TypeScript, so it runs however the
// parent was started.
import { fork } from "node:child_process";
import { workerData } from "node:worker_threads";

const { port, flag, childEntry, retries, timeoutMs } = workerData;
const signal = new Int32Array(flag);
/** op code (0 for requests that are not a node) → its child process. */
const children = new Map();
let weights = null;
let restarts = 0;
let nextId = 1;
/** Set by a `crashNext` request (the tests'): the next request's first try makes the child abort. */
let crashNext = false;

function reply(message) {
  port.postMessage({ ...message, restarts });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function start() {
  const c = fork(childEntry, [], {
    serialization: "advanced",
    env: { ...process.env, EGL_PLATFORM: process.env.EGL_PLATFORM ?? "surfaceless" },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  c.stderr.resume(); // Dawn's warnings
  return c;
}

/** Sends one request to `c`; resolves with its reply, or with null when the child dies or stalls. */
function ask(c, req) {
  return new Promise((resolve) => {
    const id = nextId++;
    const done = (value) => {
      clearTimeout(timer);
      c.off("message", onMessage);
      c.off("exit", onExit);
      resolve(value);
    };
    const onMessage = (m) => m.id === id && done(m);
    const onExit = () => done(null);
    const timer = setTimeout(() => {
      c.kill("SIGKILL");
      done(null);
    }, timeoutMs);
    c.on("message", onMessage);
    c.on("exit", onExit);
    try {
      c.send({ ...req, id }, (err) => err && done(null));
    } catch {
      done(null); // the channel closed: the child is gone
    }
  });
}

const alive = (c) => c && c.exitCode === null && c.signalCode === null;

async function handle(req) {
  if (req.kind === "weights") {
    // Held here and uploaded to each child as it starts: the children started before stop.
    weights = req.tensors;
    for (const [op, c] of children) if (op !== 0) c.kill();
    for (const op of [...children.keys()]) if (op !== 0) children.delete(op);
    return { ok: true };
  }
  const key = req.kind === "run" ? req.op : 0;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) restarts++;
    let child = children.get(key);
    if (!alive(child)) {
      child = start();
      children.set(key, child);
      if (weights && key !== 0) {
        const w = await ask(child, { kind: "weights", tensors: weights });
        if (!w) continue;
        if (!w.ok) return w;
      }
    }
    const r = await ask(child, crashNext ? { kind: "abort" } : req);
    crashNext = false;
    if (r) return r;
    child.kill("SIGKILL"); // dead already, or stalled
    children.delete(key);
  }
  return {
    ok: false,
    crashed: true,
    error: { name: "WebGpuCrashError", message: `the WebGPU child process died on each of ${retries + 1} tries` },
  };
}

port.on("message", (req) => {
  if (req.kind === "close") {
    for (const c of children.values()) c.kill();
    port.close();
    return;
  }
  if (req.kind === "crashNext") {
    crashNext = true;
    reply({ ok: true });
    return;
  }
  handle(req).then(reply, (e) =>
    reply({ ok: false, error: { name: "WebGpuCrashError", message: `the WebGPU bridge failed: ${e}` } }),
  );
});
