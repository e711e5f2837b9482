/** `opml dispute show <gameId|requestId>`: a dispute game read from the chain. */
import { Command } from "commander";
import { addHiddenAliases, addOptions, READ_OPTIONS, unaliased } from "./specOptions.ts";

export function registerDisputeCommands(program: Command): void {
  const dispute = program.command("dispute").description("Read dispute games from the chain.");
  const show = dispute
    .command("show")
    .description("Show a dispute game: parties, level, current interval, every move, clocks left, bonds and result.")
    .argument("<id>", "a game id (or a request id with --request)")
    .option("--request", "the id is a request id: show every game opened against its claims")
    .option("--json", "print the game as JSON (an array with --request)")
    .addHelpText(
      "after",
      `
The clocks are read at the latest block: the side on move's clock is running. Moves come from
the game's events (GameCreated, Bisected, SegmentChosen, Phase2Opened, StepExecuted,
GameResolved), each with who sent it.

Examples:
  $ opml dispute show 1                      # game 1 on the running devnet
  $ opml dispute show 7 --request            # the games against request 7's claims
  $ opml dispute show 1 --json | jq '.moves[] | .move'
  $ opml dispute show 3 --rpc-url http://127.0.0.1:8545 --oracle 0x…`,
    );
  addHiddenAliases(addOptions(show, READ_OPTIONS)).action(async (id: string, flags: Record<string, unknown>) => {
    const { showDispute } = await import("./disputeShow.ts");
    await showDispute(id, READ_OPTIONS, unaliased(flags));
  });
}
