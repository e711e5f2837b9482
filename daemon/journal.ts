/**
 * The daemon's data-directory journal: one JSON line per transaction sent (before it is sent,
 * and again with its outcome), so a restarted daemon knows what it already did. It is a cache:
 * the chain is the truth, and every decision re-reads it; the journal only saves work and
 * explains history. Lines that do not parse are skipped (a torn last line after a kill).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TxLog, TxLogEntry } from "../sdk/txLog.ts";

export interface JournalEntry extends TxLogEntry {
  /** ISO time of writing. */
  at: string;
}

export class Journal implements TxLog {
  readonly file: string;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, "journal.jsonl");
  }

  append(entry: TxLogEntry): void {
    appendFileSync(this.file, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  }

  entries(): JournalEntry[] {
    if (!existsSync(this.file)) return [];
    const out: JournalEntry[] = [];
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as JournalEntry);
      } catch {
        // a line torn by a kill: skip it
      }
    }
    return out;
  }

  /** Whether `action` on `requestId` was mined (per the journal). */
  mined(action: string, requestId: bigint): boolean {
    return this.entries().some((e) => e.action === action && e.requestId === String(requestId) && e.phase === "mined");
  }
}
