/** The dispute logic both daemons share (no I/O): positions, trace providers, moves, a referee. */
export * from "./errors.ts";
export * from "./positions.ts";
export { commitmentsHash, COMMITMENTS_TAG } from "./commitmentsHash.ts";
export { type TraceProvider, checkPosition } from "./TraceProvider.ts";
export { GraphStateTrace } from "./GraphStateTrace.ts";
export {
  type VmRun,
  type SnapshotTraceLike,
  vmTrace,
  vmRunFromHashes,
  vmRunFromSnapshots,
  vmStatusOf,
  VM_RUNNING,
  VM_HALTED,
  VM_TRAPPED,
} from "./VmTrace.ts";
export {
  Phase,
  GameStatus,
  moverOf,
  type GameView,
  type BisectionView,
  type PhaseValue,
  type GameStatusValue,
} from "./GameView.ts";
export {
  defenderMove,
  challengerMove,
  phase2Target,
  finalStep,
  type ChallengerChoice,
  type Phase2Target,
  type FinalStep,
} from "./moves.ts";
export {
  Referee,
  RefereeRevertError,
  type RefereeBoundary,
  type RefereeStepVerifier,
  type RefereeOptions,
  type RefereeState,
} from "./Referee.ts";
