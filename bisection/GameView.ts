import type { Address, Hex } from "viem";

/** `IDisputeGame.Phase`, as viem decodes the uint8 enum. */
export const Phase = { None: 0, Bisect: 1, Choose: 2, OpenPhase2: 3, Step: 4, Resolved: 5 } as const;
export type PhaseValue = (typeof Phase)[keyof typeof Phase];

/** `IDisputeGame.Status`, as viem decodes the uint8 enum. */
export const GameStatus = { None: 0, InProgress: 1, DefenderWon: 2, ChallengerWon: 3 } as const;
export type GameStatusValue = (typeof GameStatus)[keyof typeof GameStatus];

/** `IDisputeGame.GameView` as viem's `getGame` returns it. */
export interface GameView {
  creator: Address;
  defender: Address;
  challenger: Address;
  status: number;
  phase: number;
  level: number;
  node: number;
  lo: bigint;
  hi: bigint;
  defenderClock: bigint;
  challengerClock: bigint;
  lastMoveAt: bigint;
  startHash: Hex;
  endHash: Hex;
  commitmentsHash: Hex;
  modelHash: Hex;
}

/**
 * What the next move depends on: the current segment of the current level and the game
 * contract's arity `k` (an immutable of the deployment, not part of `getGame`). A `GameView`
 * plus `k` is one: `{ ...await game.read.getGame([id]), k: await game.read.k() }`.
 */
export interface BisectionView {
  k: bigint;
  /** 1: graph states over nodes; 2: VM states over the steps of node `node`. */
  level: number;
  /** The disputed node, at level 2. */
  node: number;
  lo: bigint;
  hi: bigint;
  /** The agreed commitment at `lo`. */
  startHash: Hex;
  /** The defender's commitment at `hi`, disputed. */
  endHash: Hex;
}

/** Who must make the move a phase waits for; `step` is permissionless but charged to the challenger. */
export function moverOf(phase: number): "defender" | "challenger" | "anyone" | null {
  switch (phase) {
    case Phase.Bisect:
    case Phase.OpenPhase2:
      return "defender";
    case Phase.Choose:
      return "challenger";
    case Phase.Step:
      return "anyone";
    default:
      return null;
  }
}
