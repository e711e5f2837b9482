/**
 * `opml dispute show`: one dispute game as the chain has it — parties, level, current interval,
 * every move from the game's events (with who sent it), the clocks left at the latest block, the
 * bonds held by the oracle, and the result.
 */
import { formatEther, parseAbi, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import { GameStatus, moverOf, Phase } from "../bisection/index.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";
import { CLAIM_STATUS, opmlOracleAbi } from "../sdk/abi.ts";
import { collectConfig, type OptionSpec } from "../daemon/config.ts";
import { connectChain } from "./chainTarget.ts";
import { BadInputError, ChainError, GameNotFoundError } from "./errors.ts";

/** What the CLI reads beyond the daemons' ABIs: game creation, the game count, and the oracle's game record. */
const extraAbi = parseAbi([
  "struct ModelCommitment { bytes32 programRoot; bytes32 graphRoot; bytes32 weightsRoot; uint32 nodeCount; }",
  "event GameCreated(uint256 indexed gameId, address indexed creator, address defender, address challenger, ModelCommitment model, bytes32 startState, bytes32 claimedState)",
  "function gameCount() view returns (uint256)",
  "function getGameRecord(uint256 gameId) view returns (uint256 claimId, address challenger, uint256 bond, bool settled)",
]);
const gameAbi = [...disputeGameAbi, ...extraAbi];

const PHASE_NAMES = Object.fromEntries(Object.entries(Phase).map(([k, v]) => [v, k])) as Record<number, string>;
const STATUS_NAMES: Record<number, string> = {
  [GameStatus.None]: "none",
  [GameStatus.InProgress]: "in progress",
  [GameStatus.DefenderWon]: "defender won",
  [GameStatus.ChallengerWon]: "challenger won",
};

export interface Move {
  block: string;
  time: string;
  move: "created" | "bisect" | "choose" | "openPhase2" | "step" | "resolved";
  /** Who sent the transaction: defender, challenger, the oracle (creator), or an address. */
  by: string;
  tx: Hex;
  detail: string;
}

export interface DisputeReport {
  gameId: string;
  game: Address;
  oracle: Address;
  k: string;
  stepDepth: string;
  status: string;
  byTimeout: boolean | null;
  phase: string;
  level: number;
  node: number;
  interval: { lo: string; hi: string };
  parties: { defender: Address; challenger: Address; creator: Address };
  request: { requestId: string; claimId: string; claimStatus: string } | null;
  /** Seconds left on each clock at the latest block; the side on move's clock is running. */
  clocks: { defender: string; challenger: string; onMove: string | null; deadline: string | null; now: string };
  bonds: { submitter: string; challenger: string; settled: boolean } | null;
  moves: Move[];
}

type Client = PublicClient<Transport, Chain>;

/** The game ids the oracle opened for a request (from its ClaimChallenged events), oldest first. */
export async function gamesOfRequest(client: Client, oracle: Address, requestId: bigint): Promise<bigint[]> {
  const logs = await client.getContractEvents({
    address: oracle,
    abi: opmlOracleAbi,
    eventName: "ClaimChallenged",
    args: { requestId },
    fromBlock: 0n,
  });
  return logs.map((l) => l.args.gameId!);
}

function label(who: Address, g: { defender: Address; challenger: Address; creator: Address }): string {
  const w = who.toLowerCase();
  if (w === g.defender.toLowerCase()) return "defender";
  if (w === g.challenger.toLowerCase()) return "challenger";
  if (w === g.creator.toLowerCase()) return "oracle";
  return who;
}

const short = (h: Hex | undefined) => (h === undefined ? "?" : `${h.slice(0, 10)}…`);

export async function readDispute(client: Client, oracle: Address, gameId: bigint): Promise<DisputeReport> {
  let game: Address;
  try {
    game = await client.readContract({ address: oracle, abi: opmlOracleAbi, functionName: "disputeGame" });
  } catch (err) {
    throw new ChainError(`${oracle} is not an OpmlOracle`, {
      details: "its disputeGame() call failed; --oracle must be the OpmlOracle address",
      cause: err,
    });
  }
  const [g, k, stepDepth, count, block] = await Promise.all([
    client.readContract({ address: game, abi: disputeGameAbi, functionName: "getGame", args: [gameId] }),
    client.readContract({ address: game, abi: disputeGameAbi, functionName: "k" }),
    client.readContract({ address: game, abi: disputeGameAbi, functionName: "stepDepth" }),
    client.readContract({ address: game, abi: extraAbi, functionName: "gameCount" }),
    client.getBlock(),
  ]);
  if (g.status === GameStatus.None)
    throw new GameNotFoundError(`no dispute game ${gameId}`, {
      details: `DisputeGame ${game} has ${count} game(s), ids 1..${count}`,
    });
  const parties = { defender: g.defender, challenger: g.challenger, creator: g.creator };

  // Every event of this game, in chain order, with the sender of its transaction.
  const logs = (await client.getContractEvents({ address: game, abi: gameAbi, fromBlock: 0n }))
    .filter((l) => l.args.gameId === gameId)
    .sort((a, b) => Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex);
  const senders = new Map<Hex, Address>();
  const times = new Map<bigint, bigint>();
  for (const l of logs) {
    if (!senders.has(l.transactionHash))
      senders.set(l.transactionHash, (await client.getTransaction({ hash: l.transactionHash })).from);
    if (!times.has(l.blockNumber))
      times.set(l.blockNumber, (await client.getBlock({ blockNumber: l.blockNumber })).timestamp);
  }
  let byTimeout: boolean | null = null;
  const moves: Move[] = [];
  // Each event's args, typed by its name (viem: every field optional).
  for (const l of logs) {
    const base = {
      block: l.blockNumber.toString(),
      time: new Date(Number(times.get(l.blockNumber)!) * 1000).toISOString(),
      by: label(senders.get(l.transactionHash)!, parties),
      tx: l.transactionHash,
    };
    switch (l.eventName) {
      case "GameCreated": {
        const a = l.args;
        moves.push({
          ...base,
          move: "created",
          detail: `${a.model?.nodeCount} nodes; agreed S_0 ${short(a.startState)}, claimed S_N ${short(a.claimedState)}`,
        });
        break;
      }
      case "Bisected": {
        const a = l.args;
        moves.push({
          ...base,
          move: "bisect",
          detail: `level ${a.level} [${a.lo}, ${a.hi}]: ${a.intermediates?.length} intermediate states`,
        });
        break;
      }
      case "SegmentChosen": {
        const a = l.args;
        moves.push({
          ...base,
          move: "choose",
          detail: `level ${a.level} → [${a.lo}, ${a.hi}]: agreed ${short(a.agreed)}, disputed ${short(a.disputed)}`,
        });
        break;
      }
      case "Phase2Opened": {
        const a = l.args;
        moves.push({
          ...base,
          move: "openPhase2",
          detail: `node ${a.node}: VM initial ${short(a.initialVmState)}, final ${short(a.finalVmState)}`,
        });
        break;
      }
      case "StepExecuted": {
        const a = l.args;
        const verdict =
          a.postState === a.claimed ? "matches the defender's claim" : "differs from the defender's claim";
        moves.push({
          ...base,
          move: "step",
          detail: `step ${a.stepIndex} re-executed on chain: post-state ${verdict}`,
        });
        break;
      }
      case "GameResolved": {
        const a = l.args;
        byTimeout = a.byTimeout ?? null;
        moves.push({
          ...base,
          move: "resolved",
          detail: `${STATUS_NAMES[Number(a.status)]}${byTimeout ? " by timeout" : ""}`,
        });
        break;
      }
    }
  }

  // Clocks: the side on move loses the time since the last move.
  const mover = g.status === GameStatus.InProgress ? moverOf(g.phase) : null;
  const charged = mover === "anyone" ? "challenger" : mover;
  const elapsed = block.timestamp > g.lastMoveAt ? block.timestamp - g.lastMoveAt : 0n;
  const left = (side: "defender" | "challenger", clock: bigint) => {
    const l = charged === side ? clock - elapsed : clock;
    return (l > 0n ? l : 0n).toString();
  };
  const deadline =
    charged === null
      ? null
      : (g.lastMoveAt + (charged === "defender" ? g.defenderClock : g.challengerClock)).toString();

  // The oracle's side: the request, the claim and the bonds (only for games this oracle created).
  let request: DisputeReport["request"] = null;
  let bonds: DisputeReport["bonds"] = null;
  if (g.creator.toLowerCase() === oracle.toLowerCase()) {
    const [claimId, , challengerBond, settled] = await client.readContract({
      address: oracle,
      abi: extraAbi,
      functionName: "getGameRecord",
      args: [gameId],
    });
    const claim = await client.readContract({
      address: oracle,
      abi: opmlOracleAbi,
      functionName: "getClaim",
      args: [claimId],
    });
    request = {
      requestId: claim.requestId.toString(),
      claimId: claimId.toString(),
      claimStatus: CLAIM_STATUS[claim.status] ?? String(claim.status),
    };
    bonds = { submitter: claim.bond.toString(), challenger: challengerBond.toString(), settled };
  }

  return {
    gameId: gameId.toString(),
    game,
    oracle,
    k: k.toString(),
    stepDepth: stepDepth.toString(),
    status: STATUS_NAMES[g.status] ?? String(g.status),
    byTimeout,
    phase: PHASE_NAMES[g.phase] ?? String(g.phase),
    level: g.level,
    node: g.node,
    interval: { lo: g.lo.toString(), hi: g.hi.toString() },
    parties,
    request,
    clocks: {
      defender: left("defender", g.defenderClock),
      challenger: left("challenger", g.challengerClock),
      onMove: mover,
      deadline,
      now: block.timestamp.toString(),
    },
    bonds,
    moves,
  };
}

const eth = (wei: string) => `${formatEther(BigInt(wei))} ETH`;

export function formatDispute(r: DisputeReport): string {
  const result = r.status + (r.byTimeout ? " (by timeout)" : "");
  const level =
    r.level === 2
      ? `level 2 (VM steps of node ${r.node}), steps [${r.interval.lo}, ${r.interval.hi}]`
      : `level 1 (graph nodes), nodes [${r.interval.lo}, ${r.interval.hi}]`;
  const lines = [
    `Game ${r.gameId}: ${result}`,
    `  contract    DisputeGame ${r.game} (k ${r.k}, step depth ${r.stepDepth}), created by ${r.parties.creator === r.oracle ? "the oracle" : r.parties.creator}`,
  ];
  if (r.request)
    lines.push(
      `  request     ${r.request.requestId}, claim ${r.request.claimId} (claim status ${r.request.claimStatus})`,
    );
  lines.push(
    `  defender    ${r.parties.defender}${r.bonds ? `  bond ${eth(r.bonds.submitter)}` : ""}`,
    `  challenger  ${r.parties.challenger}${r.bonds ? `  bond ${eth(r.bonds.challenger)}` : ""}`,
    `  phase       ${r.phase}, ${level}`,
  );
  const clock = (side: "defender" | "challenger") =>
    `${side} ${r.clocks[side]} s${r.clocks.onMove === side || (side === "challenger" && r.clocks.onMove === "anyone") ? " (running)" : ""}`;
  lines.push(
    `  clocks      ${clock("defender")}, ${clock("challenger")}` +
      (r.clocks.onMove
        ? `; on move: ${r.clocks.onMove}, deadline ${new Date(Number(r.clocks.deadline) * 1000).toISOString()}`
        : ""),
  );
  if (r.bonds) lines.push(`  bonds       ${r.bonds.settled ? "settled by the oracle" : "held by the oracle"}`);
  lines.push("", `Moves (${r.moves.length}):`);
  r.moves.forEach((m, i) =>
    lines.push(
      `  ${String(i + 1).padStart(3)}. block ${m.block.padEnd(6)} ${m.move.padEnd(10)} ${m.by.padEnd(10)} ${m.detail}`,
    ),
  );
  return lines.join("\n");
}

/** `opml dispute show <id>`: the game (or with `--request`, every game of the request) read and printed. */
export async function showDispute(id: string, specs: readonly OptionSpec[], flags: Record<string, unknown>) {
  const isRequest = flags.request === true;
  if (!/^\d+$/.test(id) || BigInt(id) === 0n)
    throw new BadInputError(`${isRequest ? "request" : "game"} id must be a positive integer`, {
      details: `got ${JSON.stringify(id)}`,
    });
  const target = await connectChain(collectConfig(specs, flags), { needKey: false });
  const client = target.publicClient;
  let ids = [BigInt(id)];
  if (isRequest) {
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
  if (flags.json) console.log(JSON.stringify(isRequest ? reports : reports[0], null, 2));
  else console.log(reports.map(formatDispute).join("\n\n"));
}
