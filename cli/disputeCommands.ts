/** `opml dispute show <gameId|requestId>`: a dispute game read from the chain. */
import { Command } from "commander";
import { DEFAULT_DEVNET_STATE_FILE } from "../devnet/devnetState.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { resolveChainTarget, type ChainFlags } from "./chainTarget.ts";
import { formatDispute, gamesOfRequest, readDispute } from "./disputeShow.ts";
import { BadInputError, GameNotFoundError } from "./errors.ts";

interface ShowFlags extends ChainFlags {
  request?: boolean;
  json?: boolean;
}

async function showAction(id: string, flags: ShowFlags): Promise<void> {
  if (!/^\d+$/.test(id) || BigInt(id) === 0n)
    throw new BadInputError(`${flags.request ? "request" : "game"} id must be a positive integer`, {
      details: `got ${JSON.stringify(id)}`,
    });
  const target = await resolveChainTarget(flags, false);
  const client = target.publicClient;
  let ids = [BigInt(id)];
  if (flags.request) {
    const count = await client.readContract({
      address: target.oracle,
      abi: opmlOracleAbi,
      functionName: "requestCount",
    });
    if (BigInt(id) > count)
      throw new GameNotFoundError(`no request ${id}`, { details: `oracle ${target.oracle} has ${count} request(s)` });
    ids = await gamesOfRequest(client, target.oracle, BigInt(id));
    if (ids.length === 0)
      throw new GameNotFoundError(`request ${id} has no dispute game`, { details: "no claim of it was challenged" });
  }
  const reports = [];
  for (const g of ids) reports.push(await readDispute(client, target.oracle, g));
  if (flags.json) console.log(JSON.stringify(flags.request ? reports : reports[0], null, 2));
  else console.log(reports.map(formatDispute).join("\n\n"));
}

export function registerDisputeCommands(program: Command): void {
  const dispute = program.command("dispute").description("Read dispute games from the chain.");
  dispute
    .command("show")
    .description("Show a dispute game: parties, level, current interval, every move, clocks left, bonds and result.")
    .argument("<id>", "a game id (or a request id with --request)")
    .option("--request", "the id is a request id: show every game opened against its claims")
    .option("--rpc <url>", "JSON-RPC URL [default: the running devnet's]")
    .option("--oracle <address>", "OpmlOracle address [default: the running devnet's]")
    .option("--state-file <path>", "the devnet state file the defaults come from", DEFAULT_DEVNET_STATE_FILE)
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
  $ opml dispute show 3 --rpc http://127.0.0.1:8545 --oracle 0x…`,
    )
    .action(showAction);
}
