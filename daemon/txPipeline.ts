/**
 * The daemons' transaction pipeline (the SDK's `TxSender`): many transactions of one signer in
 * flight at once, so that a block carries many claims, moves and finalizations.
 *
 * - A local nonce manager: nonces are handed out in order from the chain's pending count, read
 *   once and again after any send that failed (a nonce handed out but not taken is re-used by the
 *   next transaction, so a gap never stalls the ones after it; a gap nobody fills is filled with a
 *   0-value transfer to ourselves).
 * - A cap on transactions in flight (`maxInFlight`); those waiting for a slot go by priority (game
 *   moves by deadline, then claims and challenges, then finalizations and withdrawals).
 * - Receipts are checked afterwards, once per new block for every transaction in flight (one
 *   block read, then a receipt per transaction of ours in it), not per transaction by polling.
 * - A transaction not mined `bumpAfterMs` after it was sent is sent again with the same nonce and
 *   fees raised by `bumpPercent` (which also re-broadcasts one the node dropped); one whose nonce
 *   the chain has used for another transaction is rejected as replaced ({@link TxReplacedError}).
 * - Every transaction's life is journaled with its nonce and hashes; {@link recover} reads back what
 *   a previous run left in flight, settles what the chain already decided and watches the rest, so
 *   a restarted daemon knows (`inFlight`) what it must not send again.
 */
import { DEFAULT_MAX_IN_FLIGHT } from "./config.ts";
import {
  formatTransactionReceipt,
  type Account,
  type Chain,
  type Client,
  type Hex,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { estimateFeesPerGas, getBlock, getBlockNumber, getTransactionCount, sendTransaction } from "viem/actions";
import { OpmlError } from "../common/errors.ts";
import type { TxPriority, TxSender, TxToSend } from "../sdk/txSender.ts";
import type { Journal } from "./journal.ts";
import type { Logger } from "./logger.ts";

type WalletClient = Client<Transport, Chain | undefined, Account>;

export interface TxPipelineOptions {
  client: WalletClient;
  logger: Logger;
  journal?: Journal;
  /** Transactions sent and not yet mined, at most (default {@link DEFAULT_MAX_IN_FLIGHT}). */
  maxInFlight?: number;
  /** Re-send with higher fees after this long without a receipt (default 12 s). */
  bumpAfterMs?: number;
  /** How much each bump raises both fees, percent (default 25; nodes want at least 10). */
  bumpPercent?: number;
  /** How often the chain head is polled while anything is in flight (default: the client's polling interval). */
  pollMs?: number;
  /** The daemon's RPC wrapper (timeouts, bounded retries). */
  rpc?: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
}

/** A transaction's nonce was used by another transaction: it will never be mined. */
export class TxReplacedError extends OpmlError {
  override name = "TxReplacedError";
}

/** A pipeline configured with a cap that lets nothing through. */
export class TxPipelineConfigError extends OpmlError {
  override name = "TxPipelineConfigError";
}

/** The pipeline stopped with the transaction still waiting for a slot. */
export class TxPipelineStoppedError extends OpmlError {
  override name = "TxPipelineStoppedError";
}

const RANK: Record<TxPriority, number> = { move: 0, claim: 1, settle: 2 };

interface Waiting {
  tx: TxToSend;
  seq: number;
  resolve: (r: TransactionReceipt) => void;
  reject: (e: unknown) => void;
  /** Sends that failed for a nonce already taken (retried with a fresh nonce). */
  nonceRetries: number;
}

interface Flying {
  tx: TxToSend;
  nonce: number;
  hashes: Hex[];
  fees: Fees;
  sentAt: number;
  /** Restored from the journal: nobody awaits it, its outcome is only journaled. */
  recovered?: boolean;
  resolve: (r: TransactionReceipt) => void;
  reject: (e: unknown) => void;
}

interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

const identity = <T>(_what: string, fn: () => Promise<T>) => fn();

export class TxPipeline implements TxSender {
  private readonly waiting: Waiting[] = [];
  private readonly flying = new Map<number, Flying>();
  private nextNonce?: number;
  private seq = 0;
  private dispatching = false;
  private watching?: Promise<void>;
  private lastBlock?: bigint;
  private fees?: { block: bigint; fees: Fees };
  private stopped = false;
  /** Most transactions in flight at once so far (for the bench). */
  maxSeenInFlight = 0;

  constructor(readonly opts: TxPipelineOptions) {
    const cap = opts.maxInFlight;
    if (cap !== undefined && !(Number.isSafeInteger(cap) && cap >= 1))
      throw new TxPipelineConfigError(`maxInFlight must be a whole number of at least 1, not ${cap}`);
  }

  private get rpc() {
    return this.opts.rpc ?? identity;
  }

  /** Transactions sent and not yet mined. */
  get inFlightCount(): number {
    return this.flying.size;
  }

  /** Whether a transaction of `action` for request `requestId` is waiting or in flight (this run's or a recovered one). */
  inFlight(action: string, requestId: bigint): boolean {
    const is = (tx: TxToSend) => tx.action === action && tx.requestId === requestId;
    return this.waiting.some((w) => is(w.tx)) || [...this.flying.values()].some((f) => is(f.tx));
  }

  send(tx: TxToSend): Promise<TransactionReceipt> {
    if (this.stopped) return Promise.reject(new TxPipelineStoppedError(`${tx.action} not sent: the daemon stops`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ tx, seq: this.seq++, resolve, reject, nonceRetries: 0 });
      this.dispatch();
    });
  }

  /** Refuses new transactions and drops those waiting for a slot; those in flight are still watched. */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiting.splice(0))
      w.reject(new TxPipelineStoppedError(`${w.tx.action} not sent: the daemon stops`));
  }

  /** Takes transactions again after {@link stop} (a daemon started again). */
  resume(): void {
    this.stopped = false;
  }

  /** Resolves once nothing is in flight or waiting. */
  async drained(): Promise<void> {
    while (this.waiting.length > 0 || this.flying.size > 0 || this.watching) {
      await (this.watching ?? new Promise((r) => setTimeout(r, this.pollMs)));
    }
  }

  /**
   * Reads the journal for transactions a previous run sent and saw no outcome of: each is settled
   * from the chain (mined, reverted, or its nonce used by another: dropped) or watched until it is.
   */
  async recover(): Promise<number> {
    const { journal, client } = this.opts;
    if (!journal) return 0;
    const open = journal.unsettled();
    if (open.length === 0) return 0;
    const used = await this.rpc("nonce", () => getTransactionCount(client, { address: client.account.address }));
    for (const e of open) {
      const receipt = await this.receiptOf(e.hashes);
      const tx: TxToSend = {
        to: client.account.address,
        data: "0x",
        gas: 0n,
        action: e.action,
        requestId: e.requestId === undefined ? undefined : BigInt(e.requestId),
        gameId: e.gameId === undefined ? undefined : BigInt(e.gameId),
        priority: "settle",
      };
      if (receipt) this.journalOutcome(tx, e.nonce, receipt);
      else if (e.nonce < used)
        this.journalEntry(tx, e.nonce, "dropped", e.hashes.at(-1), "nonce used by another transaction");
      else {
        const f: Flying = {
          tx,
          nonce: e.nonce,
          hashes: e.hashes as Hex[],
          fees: { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n },
          sentAt: Date.now(),
          recovered: true,
          resolve: () => undefined,
          reject: () => undefined,
        };
        this.flying.set(e.nonce, f);
      }
    }
    this.opts.logger.info(
      { unsettled: open.length, stillInFlight: this.flying.size },
      "journal: transactions of the previous run settled",
    );
    if (this.flying.size > 0) this.watch();
    return open.length;
  }

  // ---- sending

  private get pollMs(): number {
    return this.opts.pollMs ?? this.opts.client.pollingInterval;
  }

  /** Sends waiting transactions, most urgent first, while slots are free. */
  private dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    void (async () => {
      try {
        while (this.waiting.length > 0 && this.flying.size < (this.opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)) {
          this.waiting.sort(byUrgency);
          const w = this.waiting.shift()!;
          await this.sendOne(w);
        }
      } finally {
        this.dispatching = false;
      }
      if (this.waiting.length > 0 && this.flying.size < (this.opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT))
        this.dispatch();
    })();
  }

  private async sendOne(w: Waiting): Promise<void> {
    let nonce: number | undefined;
    try {
      this.nextNonce ??= await this.pendingNonce();
      while (this.flying.has(this.nextNonce)) this.nextNonce++; // a recovered transaction holds it
      nonce = this.nextNonce++;
      // Blocks are watched from the one before the first send on (automine mines as it answers).
      this.lastBlock ??= (await this.head()) - 1n;
      const fees = await this.currentFees();
      this.journalEntry(w.tx, nonce, "sending");
      const hash = await this.sendRaw(w.tx, nonce, fees);
      this.journalEntry(w.tx, nonce, "sent", hash);
      this.flying.set(nonce, {
        tx: w.tx,
        nonce,
        hashes: [hash],
        fees,
        sentAt: Date.now(),
        resolve: w.resolve,
        reject: w.reject,
      });
      this.maxSeenInFlight = Math.max(this.maxSeenInFlight, this.flying.size);
      this.watch();
    } catch (err) {
      // Not sent (or not known to be): the nonce is read again from the chain, which hands the
      // next transaction this one's nonce if it is still free.
      this.nextNonce = undefined;
      if (nonce !== undefined) this.journalEntry(w.tx, nonce, "failed", undefined, shortOf(err));
      if (isNonceTaken(err) && w.nonceRetries < 3) {
        w.nonceRetries++;
        this.waiting.push(w);
        return;
      }
      w.reject(err);
    }
  }

  private sendRaw(tx: TxToSend, nonce: number, fees: Fees): Promise<Hex> {
    const { client } = this.opts;
    // Not retried: an answer lost after the node took it would re-send the same nonce, which the
    // bump logic covers; a failure here releases the nonce (see sendOne).
    return sendTransaction(client, {
      account: client.account,
      chain: client.chain,
      to: tx.to,
      data: tx.data,
      value: tx.value ?? 0n,
      gas: tx.gas,
      nonce,
      type: "eip1559",
      ...fees,
    });
  }

  private pendingNonce(): Promise<number> {
    const { client } = this.opts;
    return this.rpc("nonce", () =>
      getTransactionCount(client, { address: client.account.address, blockTag: "pending" }),
    );
  }

  /** EIP-1559 fees, read once per block. */
  private async currentFees(): Promise<Fees> {
    const head = this.lastBlock ?? -1n;
    if (this.fees && this.fees.block === head) return this.fees.fees;
    const f = await this.rpc("fees", () =>
      estimateFeesPerGas(this.opts.client, { type: "eip1559", chain: this.opts.client.chain }),
    );
    const fees = { maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas };
    this.fees = { block: head, fees };
    return fees;
  }

  // ---- watching

  /** Starts the receipt watcher unless it runs. */
  private watch(): void {
    this.watching ??= this.watchLoop().finally(() => {
      this.watching = undefined;
      if (this.flying.size > 0) this.watch();
    });
  }

  private async watchLoop(): Promise<void> {
    const { logger } = this.opts;
    while (this.flying.size > 0) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      try {
        await this.checkNewBlocks();
        await this.bumpStale();
      } catch (err) {
        logger.warn(
          { err: { name: (err as Error).name, message: shortOf(err) } },
          "transaction watch failed; will retry",
        );
      }
      this.dispatch();
    }
  }

  private head(): Promise<bigint> {
    return this.rpc("getBlockNumber", () => getBlockNumber(this.opts.client, { cacheTime: 0 }));
  }

  /** Receipts of our transactions in the blocks mined since the last look. */
  private async checkNewBlocks(): Promise<void> {
    const { client } = this.opts;
    const head = await this.head();
    const from = this.lastBlock === undefined ? head : this.lastBlock + 1n;
    if (head < from) return;
    if (head - from > 32n) {
      // Far behind (a stall): every transaction in flight asks for its receipt instead.
      for (const f of [...this.flying.values()]) {
        const r = await this.receiptOf(f.hashes);
        if (r) this.settle(f, r);
      }
    } else {
      for (let n = from; n <= head; n++) {
        const block = await this.rpc("getBlock", () => getBlock(client, { blockNumber: n }));
        const ours = new Set(block.transactions.map((h) => h.toLowerCase()));
        for (const f of [...this.flying.values()]) {
          const hit = f.hashes.find((h) => ours.has(h.toLowerCase()));
          if (!hit) continue;
          const r = await this.receiptOf([hit]);
          if (r) this.settle(f, r);
        }
      }
    }
    this.lastBlock = head;
  }

  private settle(f: Flying, receipt: TransactionReceipt): void {
    this.flying.delete(f.nonce);
    this.journalOutcome(f.tx, f.nonce, receipt);
    f.resolve(receipt);
  }

  /** Re-sends transactions waiting too long with higher fees; rejects the replaced ones; fills nonce gaps. */
  private async bumpStale(): Promise<void> {
    const { client, logger } = this.opts;
    const after = this.opts.bumpAfterMs ?? 12_000;
    const stale = [...this.flying.values()].filter((f) => Date.now() - f.sentAt > after);
    if (stale.length === 0) return;
    const used = await this.rpc("nonce", () => getTransactionCount(client, { address: client.account.address }));
    for (const f of stale.sort((a, b) => a.nonce - b.nonce)) {
      if (f.nonce < used) {
        const r = await this.receiptOf(f.hashes);
        if (r) this.settle(f, r);
        else {
          this.flying.delete(f.nonce);
          this.journalEntry(f.tx, f.nonce, "dropped", f.hashes.at(-1), "nonce used by another transaction");
          f.reject(
            new TxReplacedError(`${f.tx.action} was replaced: its nonce ${f.nonce} was used by another transaction`),
          );
        }
        continue;
      }
      if (f.recovered) continue; // the previous run's: its payload is not known, only watched
      const pct = BigInt(100 + (this.opts.bumpPercent ?? 25));
      const now = await this.currentFees();
      const fees = {
        maxFeePerGas: max((f.fees.maxFeePerGas * pct) / 100n, now.maxFeePerGas),
        maxPriorityFeePerGas: max((f.fees.maxPriorityFeePerGas * pct) / 100n, now.maxPriorityFeePerGas),
      };
      f.sentAt = Date.now();
      try {
        const hash = await this.sendRaw(f.tx, f.nonce, fees);
        f.fees = fees;
        if (!f.hashes.includes(hash)) f.hashes.push(hash);
        this.journalEntry(f.tx, f.nonce, "bumped", hash);
        logger.warn(
          { action: f.tx.action, nonce: f.nonce, tx: hash, maxFeePerGas: String(fees.maxFeePerGas) },
          "transaction re-sent with higher fees",
        );
      } catch (err) {
        if (!isNonceTaken(err))
          logger.warn(
            { action: f.tx.action, nonce: f.nonce, err: { message: shortOf(err) } },
            "fee bump failed; will retry",
          );
      }
    }
    await this.fillGap(used);
  }

  /**
   * When the chain waits for a nonce below our transactions in flight that none of them holds
   * (a send that failed after the nonce was handed out, and nothing sent since), a 0-value
   * transfer to ourselves takes it.
   */
  private async fillGap(used: number): Promise<void> {
    const lowest = Math.min(...this.flying.keys());
    if (!(used < lowest) || this.flying.has(used) || this.waiting.length > 0) return;
    const { client } = this.opts;
    const tx: TxToSend = {
      to: client.account.address,
      data: "0x",
      gas: 21_000n,
      action: "nonce-gap",
      priority: "move",
    };
    this.nextNonce = undefined;
    const fees = await this.currentFees();
    this.journalEntry(tx, used, "sending");
    const hash = await this.sendRaw(tx, used, fees);
    this.journalEntry(tx, used, "sent", hash);
    this.flying.set(used, {
      tx,
      nonce: used,
      hashes: [hash],
      fees,
      sentAt: Date.now(),
      resolve: () => undefined,
      reject: () => undefined,
    });
    this.opts.logger.warn({ nonce: used, tx: hash }, "nonce gap filled with a transfer to ourselves");
  }

  private async receiptOf(hashes: readonly string[]): Promise<TransactionReceipt | undefined> {
    const { client } = this.opts;
    for (const hash of hashes) {
      const raw = await this.rpc("getTransactionReceipt", () =>
        client.request({ method: "eth_getTransactionReceipt", params: [hash as Hex] }),
      );
      if (raw) return formatTransactionReceipt(raw);
    }
    return undefined;
  }

  // ---- journal

  private journalEntry(
    tx: TxToSend,
    nonce: number,
    phase: "sending" | "sent" | "bumped" | "mined" | "reverted" | "failed" | "dropped",
    hash?: string,
    note?: string,
  ): void {
    this.opts.journal?.append({
      action: tx.action,
      phase,
      nonce,
      ...(tx.requestId === undefined ? {} : { requestId: String(tx.requestId) }),
      ...(tx.gameId === undefined ? {} : { gameId: String(tx.gameId) }),
      ...(hash ? { hash } : {}),
      ...(note ? { note } : {}),
    });
  }

  private journalOutcome(tx: TxToSend, nonce: number, r: TransactionReceipt): void {
    this.journalEntry(tx, nonce, r.status === "success" ? "mined" : "reverted", r.transactionHash);
  }
}

function byUrgency(a: Waiting, b: Waiting): number {
  const r = RANK[a.tx.priority] - RANK[b.tx.priority];
  if (r !== 0) return r;
  const da = a.tx.deadline;
  const db = b.tx.deadline;
  if (da !== undefined && db !== undefined && da !== db) return da < db ? -1 : 1;
  if ((da === undefined) !== (db === undefined)) return da === undefined ? 1 : -1;
  return a.seq - b.seq;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** A send refused because the nonce is taken (already mined, or in the pool with higher fees). */
function isNonceTaken(err: unknown): boolean {
  return /nonce too low|nonce has already been used|already known|replacement transaction underpriced/i.test(
    `${shortOf(err)} ${detailsOf(err)}`,
  );
}

function detailsOf(err: unknown): string {
  const d = (err as { details?: unknown } | undefined)?.details;
  return typeof d === "string" ? d : "";
}

function shortOf(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string };
  return (e?.shortMessage ?? e?.message ?? String(err)).slice(0, 300);
}
