// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelCommitment} from "./ModelCommitment.sol";

/// @title IDisputeGame
/// @notice The k-ary two-level dissection game (protocol.md §7). One contract holds every game;
///         it holds no value: bonds live with the game's creator (the oracle), which settles them
///         when {IGameResolver.onGameResolved} is called.
interface IDisputeGame {
    enum Status {
        None,
        InProgress,
        DefenderWon,
        ChallengerWon
    }

    /// @notice Whose move the game waits for, and which move.
    /// @dev Bisect and OpenPhase2 are the defender's moves, Choose is the challenger's, Step is
    ///      permissionless but charged to the challenger's clock.
    enum Phase {
        None,
        Bisect,
        Choose,
        OpenPhase2,
        Step,
        Resolved
    }

    enum Side {
        Defender,
        Challenger
    }

    /// @notice The public state of one game.
    struct GameView {
        address creator;
        address defender;
        address challenger;
        Status status;
        Phase phase;
        uint8 level;
        uint32 node;
        uint64 lo;
        uint64 hi;
        uint64 defenderClock;
        uint64 challengerClock;
        uint64 lastMoveAt;
        bytes32 startHash;
        bytes32 endHash;
        bytes32 commitmentsHash;
        bytes32 modelHash;
    }

    event GameCreated(
        uint256 indexed gameId,
        address indexed creator,
        address defender,
        address challenger,
        ModelCommitment model,
        bytes32 startState,
        bytes32 claimedState
    );
    event Bisected(uint256 indexed gameId, uint8 level, uint64 lo, uint64 hi, bytes32[] intermediates);
    event SegmentChosen(uint256 indexed gameId, uint8 level, uint64 lo, uint64 hi, bytes32 agreed, bytes32 disputed);
    event Phase2Opened(uint256 indexed gameId, uint32 node, bytes32 initialVmState, bytes32 finalVmState);
    event StepExecuted(uint256 indexed gameId, uint64 stepIndex, bytes32 preState, bytes32 postState, bytes32 claimed);
    event GameResolved(uint256 indexed gameId, Status status, bool byTimeout);

    /// @notice Opens a game; the caller becomes the game's creator and gets its resolution callback.
    /// @param defender The claim's submitter, who bisects.
    /// @param challenger The party disputing the claim, who chooses sub-segments.
    /// @param model The model commitment; its hash is stored, the phase-2 move re-supplies it.
    /// @param startState S_0, agreed (derived from the request input).
    /// @param claimedState S_N, the defender's claim.
    /// @return gameId The new game's id (sequential from 1).
    function createGame(
        address defender,
        address challenger,
        ModelCommitment calldata model,
        bytes32 startState,
        bytes32 claimedState
    ) external returns (uint256 gameId);

    /// @notice The status of a game.
    /// @param gameId The game.
    /// @return The game's status.
    function statusOf(uint256 gameId) external view returns (Status);

    /// @notice The full public state of a game.
    /// @param gameId The game.
    /// @return The game's state.
    function getGame(uint256 gameId) external view returns (GameView memory);
}

/// @title IGameResolver
/// @notice Implemented by a game's creator; called once when the game ends.
interface IGameResolver {
    /// @notice Called by the dispute game when `gameId` ends.
    /// @param gameId The game that ended.
    /// @param defenderWon True if the defender won, false if the challenger won.
    function onGameResolved(uint256 gameId, bool defenderWon) external;
}
