/**
 * Level-2 traces: one node's VM run with snapshots (vm/Trace.ts), kept in memory while a game
 * needs it and in the data directory across restarts, keyed by content: the model commitment, the
 * node index and the hash of the node's operand bytes (what determines the run's initial machine).
 * A file is used only if it decodes and the restored trace re-runs to its stored final state
 * (traceCodec.ts); a level-2 answer then re-runs at most one snapshot interval, not the node.
 * Runs are recorded through the daemon's {@link VmScheduler}, by the deadline of the move that
 * needs them, a slice at a time.
 */
import { existsSync } from "node:fs";
import { concat, keccak256, toHex } from "viem";
import { Trace } from "../vm/index.ts";
import {
  SNAPSHOT_INTERVAL,
  truthFromTrace,
  type ComputedClaim,
  type NodeVmTruth,
  type ServedModel,
} from "../claim/ServedModel.ts";
import type { DataDir } from "./dataDir.ts";
import { decodeTrace, encodeTrace } from "./traceCodec.ts";
import { DEFAULT_SLICE_STEPS, VmScheduler } from "./vmScheduler.ts";

/** When a run is needed: by `deadline` (chain time, s), or `background` (traced ahead, maybe never needed). */
export interface TraceUrgency {
  deadline?: number;
  background?: boolean;
}

const KIND = "level2-vm-trace";

export class NodeTraces {
  /** Node runs recorded here and traces restored from the data directory. */
  readonly stats = { recorded: 0, loaded: 0 };
  private readonly memory = new Map<string, Promise<Trace>>();
  /** Content keys per claim and node: hashing a node's operands (weights included) once, not every tick. */
  private readonly keys = new WeakMap<ComputedClaim, Map<number, ReturnType<NodeTraces["computeKey"]>>>();

  constructor(
    private readonly dataDir?: DataDir,
    readonly scheduler = new VmScheduler(),
    private readonly sliceSteps = DEFAULT_SLICE_STEPS,
  ) {}

  private keyOf(served: ServedModel, claim: ComputedClaim, node: number): ReturnType<NodeTraces["computeKey"]> {
    let perNode = this.keys.get(claim);
    if (!perNode) this.keys.set(claim, (perNode = new Map<number, ReturnType<NodeTraces["computeKey"]>>()));
    let k = perNode.get(node);
    if (!k) perNode.set(node, (k = this.computeKey(served, claim, node)));
    return k;
  }

  private async computeKey(served: ServedModel, claim: ComputedClaim, node: number) {
    const m = await served.nodeMachine(claim, node);
    const key = `${served.key}:${node}:${keccak256(concat(m.operands.map((o) => keccak256(o))))}`;
    return { ...m, key, rel: `l2/${keccak256(toHex(key)).slice(2)}.bin` };
  }

  /** Whether node `node`'s trace is at hand (in memory or in the data directory) without a VM run. */
  async has(served: ServedModel, claim: ComputedClaim, node: number): Promise<boolean> {
    const { key, rel } = await this.keyOf(served, claim, node);
    if (this.memory.has(key)) return true;
    return this.dataDir !== undefined && existsSync(this.dataDir.path(rel));
  }

  /**
   * Node `node`'s trace: from memory, else from the data directory if valid, else recorded (then
   * saved) as a scheduler job by `urgency` (default: due, no deadline). A run already queued is
   * shared, and made as urgent as the most urgent caller.
   */
  trace(served: ServedModel, claim: ComputedClaim, node: number, urgency: TraceUrgency = {}): Promise<Trace> {
    const p = this.keyOf(served, claim, node).then(({ key, rel, program, options }) => {
      let t = this.memory.get(key);
      if (t) {
        this.scheduler.expedite(key, urgency);
        return t;
      }
      t = (async () => {
        const loaded = this.dataDir?.load(rel, KIND, key, (b) => decodeTrace(b, program, options));
        if (loaded) {
          this.stats.loaded++;
          return loaded;
        }
        const trace = new Trace(program, options, SNAPSHOT_INTERVAL);
        await this.scheduler.run(key, () => trace.recording(this.sliceSteps), urgency);
        this.stats.recorded++;
        this.dataDir?.save(rel, KIND, key, encodeTrace(trace));
        return trace;
      })();
      this.memory.set(key, t);
      t.catch(() => this.memory.delete(key));
      return t;
    });
    return p;
  }

  async truth(served: ServedModel, claim: ComputedClaim, node: number, stepDepth: bigint): Promise<NodeVmTruth> {
    return truthFromTrace(await this.trace(served, claim, node), stepDepth);
  }

  /** Drops node `node`'s trace from memory and disk (its game is over). */
  async release(served: ServedModel, claim: ComputedClaim, node: number): Promise<void> {
    const { key, rel } = await this.keyOf(served, claim, node);
    this.memory.delete(key);
    this.dataDir?.remove(rel);
  }
}
