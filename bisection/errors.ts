import { OpmlError } from "../common/errors.ts";

/** A parameter of the game (k, D, a segment, an index) outside what DisputeGame.sol accepts. */
export class BisectionRangeError extends OpmlError {
  override name = "BisectionRangeError";
  constructor(what: string, value: bigint | number, expected: string) {
    super(`invalid ${what}`, { details: `got ${value}, expected ${expected}` });
  }
}

/**
 * Local truth disagrees with a commitment the game says this party holds (its agreed start, or a
 * defender's own end): the trace is for another game, or the local run is wrong. Never guessed
 * around: a daemon that sees it must stop and alert.
 */
export class TraceMismatchError extends OpmlError {
  override name = "TraceMismatchError";
  readonly position: bigint;
  readonly expected: string;
  readonly actual: string;
  constructor(what: string, position: bigint, expected: string, actual: string) {
    super(`local trace disagrees with the game's ${what} at position ${position}`, {
      details: `the game has ${expected}, the local trace ${actual}`,
    });
    this.position = position;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A move asked for in a game state where it is not due (wrong level, segment not of length 1…). */
export class MoveNotDueError extends OpmlError {
  override name = "MoveNotDueError";
  constructor(move: string, why: string) {
    super(`${move} is not due`, { details: why });
  }
}

/** A trace provider asked for a position outside `[0, length]`. */
export class PositionOutOfRangeError extends OpmlError {
  override name = "PositionOutOfRangeError";
  constructor(position: bigint, length: bigint) {
    super(`trace position ${position} is outside [0, ${length}]`);
  }
}
