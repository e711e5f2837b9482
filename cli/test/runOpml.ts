/**
 * Runs the `opml` program in this process, as `main()` would: stdout (console.log and commander's
 * help) and stderr are captured, commander's exits become errors, and a typed error is returned
 * rather than printed. Faster than a child process per case; the bin itself is run in opml.test.ts.
 */
import type { Command } from "commander";
import { createProgram, loadAllCommands } from "../opml.ts";

export interface OpmlRun {
  out: string;
  err: string;
  error: unknown;
}

function configure(cmd: Command, sink: { out: string; err: string }): void {
  cmd.exitOverride().configureOutput({ writeOut: (s) => (sink.out += s), writeErr: (s) => (sink.err += s) });
  for (const sub of cmd.commands) configure(sub, sink);
}

export async function runOpml(args: string[]): Promise<OpmlRun> {
  const sink = { out: "", err: "" };
  await loadAllCommands();
  const program = createProgram();
  configure(program, sink);
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void (sink.out += `${a.join(" ")}\n`);
  console.error = (...a: unknown[]) => void (sink.err += `${a.join(" ")}\n`);
  let failure: unknown;
  try {
    await program.parseAsync(["node", "opml", ...args]);
  } catch (e) {
    failure = e;
  } finally {
    console.log = log;
    console.error = error;
  }
  return { ...sink, error: failure };
}
