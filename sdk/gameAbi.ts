/**
 * The DisputeGame ABI the daemons and `opml dispute show` use (contracts/src/game/DisputeGame.sol),
 * in viem's human-readable form so that every call, event and revert is typed. Kept in step with
 * the contract by sdk/test/abi.test.ts (compared with the forge artifact).
 */
import { parseAbi } from "viem";

export const disputeGameAbi = parseAbi([
  "struct GameView { address creator; address defender; address challenger; uint8 status; uint8 phase; uint8 level; uint32 node; uint64 lo; uint64 hi; uint64 defenderClock; uint64 challengerClock; uint64 lastMoveAt; bytes32 startHash; bytes32 endHash; bytes32 commitmentsHash; bytes32 modelHash; }",
  "struct ModelCommitment { bytes32 programRoot; bytes32 graphRoot; bytes32 weightsRoot; uint32 nodeCount; }",
  "function k() view returns (uint256)",
  "function stepDepth() view returns (uint256)",
  "function getGame(uint256 gameId) view returns (GameView)",
  "function deadlineOf(uint256 gameId) view returns (uint256)",
  "function phase2Extension() view returns (uint64)",
  "function openGamesOf(address creator, address defender) view returns (uint256)",
  "function phase2ExtensionFor(address creator, address defender) view returns (uint256)",
  "function bisect(uint256 gameId, bytes32[] intermediates)",
  "function choose(uint256 gameId, bytes32[] intermediates, uint256 index)",
  "function openPhase2(uint256 gameId, ModelCommitment model, bytes32 finalVmState, bytes phaseProof, bytes exitProof)",
  "function step(uint256 gameId, bytes stateWitness, bytes proof)",
  "function timeout(uint256 gameId)",
  "event GameCreated(uint256 indexed gameId, address indexed creator, address defender, address challenger, ModelCommitment model, bytes32 startState, bytes32 claimedState)",
  "event Bisected(uint256 indexed gameId, uint8 level, uint64 lo, uint64 hi, bytes32[] intermediates)",
  "event SegmentChosen(uint256 indexed gameId, uint8 level, uint64 lo, uint64 hi, bytes32 agreed, bytes32 disputed)",
  "event Phase2Opened(uint256 indexed gameId, uint32 node, bytes32 initialVmState, bytes32 finalVmState)",
  "event StepExecuted(uint256 indexed gameId, uint64 stepIndex, bytes32 preState, bytes32 postState, bytes32 claimed)",
  "event GameResolved(uint256 indexed gameId, uint8 status, bool byTimeout)",
  "error ClockExpired(uint256 gameId, uint256 deadline, uint256 nowTs)",
  "error ClockNotExpired(uint256 gameId, uint256 deadline, uint256 nowTs)",
  "error FinalStateNotHalted(bytes32 finalVmState, uint8 status)",
  "error GameNotInProgress(uint256 gameId, uint8 status)",
  "error InitialStateNotRunning(bytes32 initialVmState, uint8 status)",
  "error InvalidArity(uint256 k)",
  "error InvalidClock(uint64 clockBudget)",
  "error InvalidStepDepth(uint256 stepDepth)",
  "error StepDepthBelowStepLimit(uint256 stepDepth, uint256 stepLimit)",
  "error ModelMismatch(bytes32 expected, bytes32 actual)",
  "error PreStateMismatch(bytes32 expected, bytes32 actual)",
  "error Reentrancy()",
  "error SegmentIndexOutOfRange(uint256 index, uint256 segments)",
  "error StaleCommitments(bytes32 expected, bytes32 actual)",
  "error WrongCommitmentCount(uint256 expected, uint256 actual)",
  "error WrongMover(uint256 gameId, address expected, address actual)",
  "error WrongPhase(uint256 gameId, uint8 expected, uint8 actual)",
  "error ZeroNodeCount()",
  "error ZeroParty(address defender, address challenger)",
]);

/** Status in IDisputeGame. */
export const GAME_STATUS = ["none", "inProgress", "defenderWon", "challengerWon"] as const;
export type GameStatusName = (typeof GAME_STATUS)[number];
/** Phase in IDisputeGame: whose move the game waits for, and which. */
export const GAME_PHASE = ["none", "bisect", "choose", "openPhase2", "step", "resolved"] as const;
export type GamePhaseName = (typeof GAME_PHASE)[number];
