/**
 * The daemon's data-directory journal: one JSON line per step of each transaction sent (before it
 * is sent, when sent, re-sent with higher fees, and its outcome), so a restarted daemon knows what
 * it already did and what was in flight ({@link Journal.unsettled}). It is a cache: the chain is the
 * truth, and every decision re-reads it; the journal only saves work and explains history. Lines
 * that do not parse are skipped (a torn last line after a kill).
 *
 * It is bounded: once `journal.jsonl` passes `maxBytes` it is rotated to `journal.1.jsonl` (the one
 * before is dropped) and the new file starts with the transactions still unsettled, so the two
 * files never hold much more than twice `maxBytes` and nothing in flight is forgotten.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TxLog, TxLogEntry } from "../sdk/txLog.ts";

export interface JournalEntry extends TxLogEntry {
  /** ISO time of writing. */
  at: string;
}

/** A transaction the journal saw sent and no outcome of: the pipeline's recovery watches it. */
export interface UnsettledTx {
  nonce: number;
  action: string;
  requestId?: string;
  gameId?: string;
  /** Every hash it was sent under (bumps add one). */
  hashes: string[];
}

export interface JournalOptions {
  /** Rotate once the file passes this many bytes (default 4 MiB). */
  maxBytes?: number;
}

const SETTLED = new Set(["mined", "reverted", "failed", "dropped"]);

export class Journal implements TxLog {
  readonly file: string;
  readonly previousFile: string;
  private readonly maxBytes: number;
  private bytes: number;
  constructor(
    readonly dir: string,
    opts: JournalOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, "journal.jsonl");
    this.previousFile = join(dir, "journal.1.jsonl");
    this.maxBytes = opts.maxBytes ?? 4 * 2 ** 20;
    this.bytes = existsSync(this.file) ? statSync(this.file).size : 0;
  }

  append(entry: TxLogEntry): void {
    const line = `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`;
    appendFileSync(this.file, line);
    this.bytes += Buffer.byteLength(line);
    if (this.bytes > this.maxBytes) this.rotate();
  }

  /** The current file's entries (since the last rotation, with the transactions then unsettled). */
  entries(): JournalEntry[] {
    return readEntries(this.file);
  }

  /** Whether `action` on `requestId` was mined (per the journal, both files). */
  mined(action: string, requestId: bigint): boolean {
    const hit = (e: JournalEntry) => e.action === action && e.requestId === String(requestId) && e.phase === "mined";
    return this.entries().some(hit) || readEntries(this.previousFile).some(hit);
  }

  /** Transactions sent under a nonce (by the pipeline) with no outcome recorded, lowest nonce first. */
  unsettled(): UnsettledTx[] {
    const byNonce = new Map<number, UnsettledTx & { settled: boolean }>();
    for (const e of this.entries()) {
      if (e.nonce === undefined) continue;
      if (e.phase === "sending") {
        byNonce.set(e.nonce, {
          nonce: e.nonce,
          action: e.action,
          requestId: e.requestId,
          gameId: e.gameId,
          hashes: [],
          settled: false,
        });
        continue;
      }
      const t = byNonce.get(e.nonce);
      if (!t) continue;
      if (SETTLED.has(e.phase)) t.settled = true;
      else if (e.hash && !t.hashes.includes(e.hash)) t.hashes.push(e.hash);
    }
    return [...byNonce.values()]
      .filter((t) => !t.settled && t.hashes.length > 0)
      .sort((a, b) => a.nonce - b.nonce)
      .map(({ settled: _, ...t }) => t);
  }

  /** Moves the file aside and starts a new one holding the unsettled transactions' lines. */
  private rotate(): void {
    const open = new Set(this.unsettled().map((t) => t.nonce));
    const carried = this.entries().filter((e) => e.nonce !== undefined && open.has(e.nonce));
    renameSync(this.file, this.previousFile);
    const text = carried.map((e) => `${JSON.stringify(e)}\n`).join("");
    writeFileSync(this.file, text);
    this.bytes = Buffer.byteLength(text);
  }
}

function readEntries(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const out: JournalEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch {
      // a line torn by a kill: skip it
    }
  }
  return out;
}
