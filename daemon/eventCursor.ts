/**
 * Where a daemon is in a watched contract's event history, persisted in its data directory: the
 * last fully processed block, that block's hash, and the daemon's open items (requests, claims,
 * games it follows). On restart the daemon resumes `reorgMargin` blocks before that cursor instead
 * of rescanning from its first block; the saved block's hash must still be the chain's (a reorg
 * deeper than the margin, or another chain at the same RPC, means a full rescan). The items only
 * say what to look at: every action re-reads the chain first.
 */
import { getBlock } from "viem/actions";
import type { Address, Chain, Client, Hex, Transport, Account } from "viem";
import { CacheContentError, type DataDir } from "./dataDir.ts";
import { isTransientRpcError } from "./retry.ts";
import type { Logger } from "./logger.ts";

type AnyClient = Client<Transport, Chain | undefined, Account | undefined>;

/** Default reorg safety margin, in blocks. */
export const DEFAULT_REORG_MARGIN = 12n;

export interface ScanRange {
  fromBlock: bigint;
  toBlock: bigint;
  toHash: Hex;
}

interface Saved<T> {
  block: bigint;
  blockHash: Hex;
  items: T;
}

/** Whether `v` is a decimal string (how persisted ids and block numbers are written). */
export const isDecimal = (v: unknown): boolean => typeof v === "string" && /^\d+$/.test(v);

/** The first block to scan after a restart: the block after the cursor, less the margin, never before `fromBlock`. */
export function resumeBlock(cursor: bigint | undefined, fromBlock: bigint, margin: bigint): bigint {
  if (cursor === undefined) return fromBlock;
  const b = cursor + 1n - margin;
  return b > fromBlock ? b : fromBlock;
}

export interface EventCursorOptions<T> {
  client: AnyClient;
  /** The watched contract. */
  contract: Address;
  /** Names the state file: one per daemon role and contract. */
  role: string;
  dataDir?: DataDir;
  fromBlock: bigint;
  reorgMargin?: bigint;
  logger: Logger;
  /** Checks persisted items (throws {@link CacheContentError} when they are not what the daemon saved). */
  decodeItems: (raw: unknown) => T;
  /** Runs an RPC with the daemon's timeout and retries. */
  rpc: <R>(what: string, fn: () => Promise<R>) => Promise<R>;
}

export class EventCursor<T> {
  /** The next block to scan. */
  private next: bigint;
  private last?: { block: bigint; hash: Hex };
  private restored = false;
  readonly #rel: string;
  readonly #key: string;
  /** The body last written, so an unchanged state is not rewritten every tick. */
  #written?: string;

  constructor(private readonly opts: EventCursorOptions<T>) {
    this.next = opts.fromBlock;
    const c = opts.contract.toLowerCase();
    this.#rel = `state/${opts.role}-${c}.bin`;
    this.#key = `${opts.role}:${c}`;
  }

  /** The first block the next {@link range} scans. */
  get nextBlock(): bigint {
    return this.next;
  }

  /**
   * Once, before the first scan: the items saved by a previous run, if the state file is valid and
   * its cursor block is still on the chain; the cursor then resumes with the reorg margin.
   */
  async restore(): Promise<T | undefined> {
    if (this.restored) return undefined;
    this.restored = true;
    const { dataDir, logger, client } = this.opts;
    const saved = dataDir?.load(this.#rel, "event-cursor", this.#key, (p) => this.decode(p));
    if (!saved) return undefined;
    const onChain = await this.opts
      .rpc("cursor block", () => getBlock(client, { blockNumber: saved.block }))
      .catch((err: unknown) => {
        if (!isTransientRpcError(err)) return undefined; // no such block: the chain is shorter
        this.restored = false; // the RPC is down: try again next tick, the file is kept
        throw err;
      });
    if (onChain?.hash !== saved.blockHash) {
      logger.warn(
        { block: String(saved.block), saved: saved.blockHash, chain: onChain?.hash ?? null },
        "saved cursor block is not on this chain (reorg or another chain): rescanning from the first block",
      );
      dataDir!.remove(this.#rel);
      return undefined;
    }
    const margin = this.opts.reorgMargin ?? DEFAULT_REORG_MARGIN;
    this.next = resumeBlock(saved.block, this.opts.fromBlock, margin);
    this.last = { block: saved.block, hash: saved.blockHash };
    logger.info(
      { cursor: String(saved.block), resumeFrom: String(this.next), reorgMargin: String(margin) },
      "resuming from the saved event cursor",
    );
    return saved.items;
  }

  /** The blocks to scan now, up to the head; undefined when there is no new block. */
  async range(): Promise<ScanRange | undefined> {
    const head = await this.opts.rpc("head block", () => getBlock(this.opts.client, { blockTag: "latest" }));
    if (head.number === null || head.hash === null || head.number < this.next) return undefined;
    return { fromBlock: this.next, toBlock: head.number, toHash: head.hash };
  }

  /** Marks `r` fully processed and persists it with `items`. */
  commit(r: ScanRange, items: T): void {
    this.next = r.toBlock + 1n;
    this.last = { block: r.toBlock, hash: r.toHash };
    this.save(items);
  }

  /** Persists `items` with the current cursor (after items changed between scans). */
  save(items: T): void {
    if (!this.last || !this.opts.dataDir) return;
    const body = JSON.stringify({ block: String(this.last.block), blockHash: this.last.hash, items });
    if (body === this.#written) return;
    if (this.opts.dataDir.save(this.#rel, "event-cursor", this.#key, new TextEncoder().encode(body)))
      this.#written = body;
  }

  private decode(payload: Uint8Array): Saved<T> {
    const raw = JSON.parse(new TextDecoder().decode(payload)) as {
      block?: unknown;
      blockHash?: unknown;
      items?: unknown;
    };
    if (!isDecimal(raw.block)) throw new CacheContentError("cursor block is not a block number");
    if (typeof raw.blockHash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(raw.blockHash))
      throw new CacheContentError("cursor block hash is not a 32-byte hash");
    return {
      block: BigInt(raw.block as string),
      blockHash: raw.blockHash as Hex,
      items: this.opts.decodeItems(raw.items),
    };
  }
}
