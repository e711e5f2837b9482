// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame, IGameResolver} from "../interfaces/IDisputeGame.sol";
import {IStepVerifier, VmStatus} from "../interfaces/IStepVerifier.sol";
import {IPhaseBoundary} from "../interfaces/IPhaseBoundary.sol";
import {ModelCommitment} from "../interfaces/ModelCommitment.sol";

/// @title DisputeGame
/// @notice The k-ary, two-level dissection game of protocol.md §7, one contract for every game.
///
///         Level 1 dissects the node range [0, N] of graph states S_0..S_N (S_0 agreed, S_N
///         claimed). Level 2 dissects the step range [0, 2^D] of the one disputed node, from the
///         initial VM state the phase boundary builds to the defender's halted final state.
///
///         A round: the defender posts the m-1 intermediate commitments of the current segment
///         (`bisect`, m = min(k, segment length)); only their hash is stored. The challenger
///         re-supplies them and names the first sub-segment whose end it disputes (`choose`).
///         When level 1 is down to one node the defender opens phase 2 (`openPhase2`); when
///         level 2 is down to one step anyone executes it on chain (`step`). A chess clock per
///         side, extended before the expensive moves; `timeout` is permissionless.
///
///         Defender load: one defender may face many games at once, each of which can narrow to
///         a different node it must run in the VM. The phase-2 extension a game grants therefore
///         grows with the defender's open games: `phase2Extension` times the number of games in
///         progress between the same creator and defender at that moment (protocol.md §7.5), so
///         a defender that runs its VM work earliest deadline first meets every deadline when
///         `phase2Extension` covers one node's run.
///
///         The contract holds no value: the creator of a game (the oracle) holds the bonds and is
///         told the winner through {IGameResolver.onGameResolved}.
contract DisputeGame is IDisputeGame {
    // ------------------------------------------------------------------ errors

    error InvalidArity(uint256 k);
    error InvalidStepDepth(uint256 stepDepth);
    error StepDepthBelowStepLimit(uint256 stepDepth, uint256 stepLimit);
    error InvalidClock(uint64 clockBudget);
    error ZeroParty(address defender, address challenger);
    error ZeroNodeCount();
    error GameNotInProgress(uint256 gameId, Status status);
    error WrongPhase(uint256 gameId, Phase expected, Phase actual);
    error WrongMover(uint256 gameId, address expected, address actual);
    error WrongCommitmentCount(uint256 expected, uint256 actual);
    error StaleCommitments(bytes32 expected, bytes32 actual);
    error SegmentIndexOutOfRange(uint256 index, uint256 segments);
    error ClockExpired(uint256 gameId, uint256 deadline, uint256 nowTs);
    error ClockNotExpired(uint256 gameId, uint256 deadline, uint256 nowTs);
    error ModelMismatch(bytes32 expected, bytes32 actual);
    error FinalStateNotHalted(bytes32 finalVmState, uint8 status);
    error InitialStateNotRunning(bytes32 initialVmState, uint8 status);
    error PreStateMismatch(bytes32 expected, bytes32 actual);
    error Reentrancy();

    // ------------------------------------------------------------------ parameters

    /// @notice Domain of the stored hash of a bisection's commitments (protocol.md §1, §7).
    // casting to 'bytes32' is safe because the ASCII literal is left-aligned and zero-padded.
    // forge-lint: disable-next-line(unsafe-typecast)
    bytes32 public constant COMMITMENTS_DOMAIN = bytes32("opml.game.commitments.v1");

    /// @notice Arity of the dissection: k-1 intermediate commitments per bisection.
    uint256 public immutable k;
    /// @notice Level 2 covers 2^stepDepth VM steps per node.
    uint256 public immutable stepDepth;
    /// @notice Seconds on each side's clock when a game opens.
    uint64 public immutable clockBudget;
    /// @notice Seconds added to the defender's clock when level 1 narrows to one node.
    uint64 public immutable phase2Extension;
    /// @notice Seconds added to the challenger's clock when level 2 narrows to one step.
    uint64 public immutable stepExtension;
    /// @notice The one-step VM verifier.
    IStepVerifier public immutable stepVerifier;
    /// @notice The phase-1/phase-2 boundary checker.
    IPhaseBoundary public immutable phaseBoundary;

    // ------------------------------------------------------------------ state

    struct Game {
        // slot 0
        address creator;
        Status status;
        Phase phase;
        uint8 level;
        uint32 node;
        // slot 1
        address defender;
        uint64 lastMoveAt;
        // slot 2
        address challenger;
        uint64 defenderClock;
        // slot 3
        uint64 lo;
        uint64 hi;
        uint64 challengerClock;
        // slots 4..7
        bytes32 startHash; // agreed commitment at `lo`
        bytes32 endHash; // the defender's commitment at `hi`, disputed
        // H(COMMITMENTS_DOMAIN ‖ intermediates) of the last bisection; only read in Phase.Choose and
        // never cleared, so each later bisection rewrites a non-zero slot (2.9k gas instead of 20k).
        bytes32 commitmentsHash;
        bytes32 modelHash; // keccak256(abi.encode(ModelCommitment))
    }

    /// @notice Number of games created; game ids run from 1 to gameCount.
    uint256 public gameCount;
    mapping(uint256 => Game) internal _games;
    /// @notice Games in progress per creator and defender: what scales the phase-2 extension.
    ///         Keyed by creator too, so that nobody but a game's creator (the oracle, which takes a
    ///         bond per game) can lengthen a defender's extensions.
    mapping(address creator => mapping(address defender => uint256)) public openGamesOf;
    bool private transient _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param k_ Arity, 2 <= k <= 64.
    /// @param stepDepth_ D, 1 <= D <= 62 and 2^D >= `phaseBoundary_.stepLimit()`: level 2 covers
    ///        2^D steps, so every run that halts within the VM's step cap is halted by step 2^D.
    /// @param clockBudget_ Seconds on each side's clock at the start of a game (> 0).
    /// @param phase2Extension_ Seconds granted to the defender for opening phase 2, per game it
    ///        has in progress with the same creator when the game narrows to one node.
    /// @param stepExtension_ Seconds granted to the challenger for the final step.
    /// @param stepVerifier_ The one-step verifier.
    /// @param phaseBoundary_ The phase boundary.
    constructor(
        uint256 k_,
        uint256 stepDepth_,
        uint64 clockBudget_,
        uint64 phase2Extension_,
        uint64 stepExtension_,
        IStepVerifier stepVerifier_,
        IPhaseBoundary phaseBoundary_
    ) {
        if (k_ < 2 || k_ > 64) revert InvalidArity(k_);
        if (stepDepth_ == 0 || stepDepth_ > 62) revert InvalidStepDepth(stepDepth_);
        uint256 stepLimit = phaseBoundary_.stepLimit();
        if ((uint256(1) << stepDepth_) < stepLimit) revert StepDepthBelowStepLimit(stepDepth_, stepLimit);
        if (clockBudget_ == 0) revert InvalidClock(clockBudget_);
        k = k_;
        stepDepth = stepDepth_;
        clockBudget = clockBudget_;
        phase2Extension = phase2Extension_;
        stepExtension = stepExtension_;
        stepVerifier = stepVerifier_;
        phaseBoundary = phaseBoundary_;
    }

    // ------------------------------------------------------------------ moves

    /// @inheritdoc IDisputeGame
    function createGame(
        address defender,
        address challenger,
        ModelCommitment calldata model,
        bytes32 startState,
        bytes32 claimedState
    ) external nonReentrant returns (uint256 gameId) {
        if (defender == address(0) || challenger == address(0)) {
            revert ZeroParty(defender, challenger);
        }
        if (model.nodeCount == 0) revert ZeroNodeCount();
        gameId = ++gameCount;
        Game storage g = _games[gameId];
        g.creator = msg.sender;
        g.status = Status.InProgress;
        g.level = 1;
        g.defender = defender;
        g.challenger = challenger;
        g.lastMoveAt = uint64(block.timestamp);
        g.defenderClock = clockBudget;
        g.challengerClock = clockBudget;
        g.lo = 0;
        g.hi = model.nodeCount;
        g.startHash = startState;
        g.endHash = claimedState;
        g.modelHash = keccak256(abi.encode(model));
        ++openGamesOf[msg.sender][defender];
        if (model.nodeCount == 1) {
            g.phase = Phase.OpenPhase2;
            g.defenderClock = _extendedDefenderClock(g);
        } else {
            g.phase = Phase.Bisect;
        }
        emit GameCreated(gameId, msg.sender, defender, challenger, model, startState, claimedState);
    }

    /// @notice Defender's move: posts the m-1 intermediate commitments of the current segment
    ///         [lo, hi], m = min(k, hi - lo); commitment i belongs to point lo + (hi-lo)*i/m.
    ///         Level 1: graph states. Level 2: VM state hashes.
    /// @param gameId The game.
    /// @param intermediates The m-1 commitments, in point order.
    function bisect(uint256 gameId, bytes32[] calldata intermediates) external nonReentrant {
        Game storage g = _active(gameId, Phase.Bisect);
        if (msg.sender != g.defender) revert WrongMover(gameId, g.defender, msg.sender);
        _spend(gameId, g, true);
        uint256 m = _segments(g.hi - g.lo);
        if (intermediates.length != m - 1) revert WrongCommitmentCount(m - 1, intermediates.length);
        g.commitmentsHash = _commitmentsHash(intermediates);
        g.phase = Phase.Choose;
        emit Bisected(gameId, g.level, g.lo, g.hi, intermediates);
    }

    /// @notice Challenger's move: re-supplies the defender's posted commitments and names the
    ///         first sub-segment `index` whose end it disputes (it agrees with its start).
    /// @param gameId The game.
    /// @param intermediates The commitments the defender posted, exactly.
    /// @param index The disputed sub-segment, 0 <= index < m.
    function choose(uint256 gameId, bytes32[] calldata intermediates, uint256 index) external nonReentrant {
        Game storage g = _active(gameId, Phase.Choose);
        if (msg.sender != g.challenger) revert WrongMover(gameId, g.challenger, msg.sender);
        _spend(gameId, g, false);
        bytes32 supplied = _commitmentsHash(intermediates);
        if (supplied != g.commitmentsHash) revert StaleCommitments(g.commitmentsHash, supplied);
        uint256 len = g.hi - g.lo;
        uint256 m = _segments(len);
        if (index >= m) revert SegmentIndexOutOfRange(index, m);

        uint64 lo = g.lo;
        uint64 newLo = uint64(lo + (len * index) / m);
        uint64 newHi = uint64(lo + (len * (index + 1)) / m);
        bytes32 agreed = index == 0 ? g.startHash : intermediates[index - 1];
        bytes32 disputed = index == m - 1 ? g.endHash : intermediates[index];
        g.lo = newLo;
        g.hi = newHi;
        g.startHash = agreed;
        g.endHash = disputed;

        if (newHi - newLo > 1) {
            g.phase = Phase.Bisect;
        } else if (g.level == 1) {
            g.phase = Phase.OpenPhase2;
            g.defenderClock = _extendedDefenderClock(g);
        } else {
            g.phase = Phase.Step;
            g.challengerClock += stepExtension;
        }
        emit SegmentChosen(gameId, g.level, newLo, newHi, agreed, disputed);
    }

    /// @notice Defender's move once level 1 is down to one node i: the contract builds node i's
    ///         initial VM state from the agreed S_i, checks that `finalVmState` is halted and that
    ///         its output written into S_i gives the disputed S_{i+1}, then level 2 starts over
    ///         steps [0, 2^D] from the initial to the final state. The defender bisects next.
    /// @param gameId The game.
    /// @param model The model commitment (must hash to the game's).
    /// @param finalVmState The defender's final VM state hash of node i (status HALTED).
    /// @param phaseProof Proofs for {IPhaseBoundary.initialStateHash}.
    /// @param exitProof Proofs for {IPhaseBoundary.checkExit}.
    function openPhase2(
        uint256 gameId,
        ModelCommitment calldata model,
        bytes32 finalVmState,
        bytes calldata phaseProof,
        bytes calldata exitProof
    ) external nonReentrant {
        Game storage g = _active(gameId, Phase.OpenPhase2);
        if (msg.sender != g.defender) revert WrongMover(gameId, g.defender, msg.sender);
        _spend(gameId, g, true);
        bytes32 mh = keccak256(abi.encode(model));
        if (mh != g.modelHash) revert ModelMismatch(g.modelHash, mh);
        uint64 node = g.lo;
        bytes32 initial = _checkBoundary(model, node, g.startHash, g.endHash, finalVmState, phaseProof, exitProof);

        g.level = 2;
        g.node = uint32(node);
        g.lo = 0;
        g.hi = uint64(1) << uint64(stepDepth);
        g.startHash = initial;
        g.endHash = finalVmState;
        g.phase = Phase.Bisect;
        emit Phase2Opened(gameId, uint32(node), initial, finalVmState);
    }

    /// @notice The final move, permissionless, charged to the challenger's clock: executes the one
    ///         disputed VM step from the agreed pre-state and compares the result with the
    ///         defender's post-state commitment. Equal: the defender wins; different: the
    ///         challenger wins. Bad witnesses or proofs revert (in the verifier).
    /// @param gameId The game.
    /// @param stateWitness The witness of the agreed pre-state.
    /// @param proof The leaf proofs the step touches.
    function step(uint256 gameId, bytes calldata stateWitness, bytes calldata proof) external nonReentrant {
        Game storage g = _active(gameId, Phase.Step);
        _spend(gameId, g, false);
        bytes32 pre = stepVerifier.stateHash(stateWitness);
        if (pre != g.startHash) revert PreStateMismatch(g.startHash, pre);
        bytes32 post = stepVerifier.step(stateWitness, proof);
        bytes32 claimed = g.endHash;
        emit StepExecuted(gameId, g.lo, pre, post, claimed);
        _resolve(gameId, g, post == claimed, false);
    }

    /// @notice Permissionless: ends a game whose side on move has let its clock run out; that
    ///         side loses.
    /// @param gameId The game.
    function timeout(uint256 gameId) external nonReentrant {
        Game storage g = _games[gameId];
        if (g.status != Status.InProgress) revert GameNotInProgress(gameId, g.status);
        bool defenderOnMove = _defenderOnMove(g.phase);
        uint256 deadline = uint256(g.lastMoveAt) + (defenderOnMove ? g.defenderClock : g.challengerClock);
        if (block.timestamp <= deadline) revert ClockNotExpired(gameId, deadline, block.timestamp);
        _resolve(gameId, g, !defenderOnMove, true);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDisputeGame
    function statusOf(uint256 gameId) external view returns (Status) {
        return _games[gameId].status;
    }

    /// @inheritdoc IDisputeGame
    function getGame(uint256 gameId) external view returns (GameView memory v) {
        Game storage g = _games[gameId];
        v = GameView({
            creator: g.creator,
            defender: g.defender,
            challenger: g.challenger,
            status: g.status,
            phase: g.phase,
            level: g.level,
            node: g.node,
            lo: g.lo,
            hi: g.hi,
            defenderClock: g.defenderClock,
            challengerClock: g.challengerClock,
            lastMoveAt: g.lastMoveAt,
            startHash: g.startHash,
            endHash: g.endHash,
            commitmentsHash: g.commitmentsHash,
            modelHash: g.modelHash
        });
    }

    /// @notice The phase-2 extension a game between `creator` and `defender` would be granted now:
    ///         `phase2Extension` times the games in progress between them (at least one, the game
    ///         itself). The defender's clock it is added to saturates at the largest uint64.
    /// @param creator The games' creator (the oracle).
    /// @param defender The defender.
    /// @return Seconds added to the defender's clock when a game narrows to one node.
    function phase2ExtensionFor(address creator, address defender) public view returns (uint256) {
        uint256 open = openGamesOf[creator][defender];
        return uint256(phase2Extension) * (open == 0 ? 1 : open);
    }

    /// @notice The moment after which the side on move loses by `timeout`.
    /// @param gameId The game (must be in progress).
    /// @return The deadline timestamp (inclusive: a move at the deadline is still valid).
    function deadlineOf(uint256 gameId) external view returns (uint256) {
        Game storage g = _games[gameId];
        if (g.status != Status.InProgress) revert GameNotInProgress(gameId, g.status);
        return uint256(g.lastMoveAt) + (_defenderOnMove(g.phase) ? g.defenderClock : g.challengerClock);
    }

    /// @notice How many sub-segments a segment of `len` units is cut into: min(k, len).
    /// @param len The segment length (>= 2 when bisected).
    /// @return The number of sub-segments m; the defender posts m-1 commitments.
    function segmentsFor(uint256 len) external view returns (uint256) {
        return _segments(len);
    }

    /// @notice Worst-case number of bisect/choose rounds of one game over `nodeCount` nodes:
    ///         the rounds to cut [0, N] and then [0, 2^D] down to length 1.
    /// @param nodeCount N.
    /// @return rounds The number of (bisect, choose) pairs.
    function maxRounds(uint256 nodeCount) external view returns (uint256 rounds) {
        rounds = _roundsFor(nodeCount) + _roundsFor(uint256(1) << stepDepth);
    }

    // ------------------------------------------------------------------ internals

    function _active(uint256 gameId, Phase expected) private view returns (Game storage g) {
        g = _games[gameId];
        if (g.status != Status.InProgress) revert GameNotInProgress(gameId, g.status);
        if (g.phase != expected) revert WrongPhase(gameId, expected, g.phase);
    }

    /// @dev Builds node `node`'s initial VM state and checks the defender's exit; reverts if it fails.
    function _checkBoundary(
        ModelCommitment calldata model,
        uint256 node,
        bytes32 sI,
        bytes32 sNext,
        bytes32 finalVmState,
        bytes calldata phaseProof,
        bytes calldata exitProof
    ) private view returns (bytes32 initial) {
        uint8 finalStatus = VmStatus.statusOf(finalVmState);
        if (finalStatus != VmStatus.HALTED) revert FinalStateNotHalted(finalVmState, finalStatus);
        initial = phaseBoundary.initialStateHash(model, node, sI, phaseProof);
        uint8 initialStatus = VmStatus.statusOf(initial);
        if (initialStatus != VmStatus.RUNNING) revert InitialStateNotRunning(initial, initialStatus);
        phaseBoundary.checkExit(model, node, sI, sNext, finalVmState, exitProof);
    }

    function _defenderOnMove(Phase p) private pure returns (bool) {
        return p == Phase.Bisect || p == Phase.OpenPhase2;
    }

    /// @dev The defender's clock plus the phase-2 extension for its open games, saturating at the
    ///      largest uint64 (unreachable with real bonds, but a count must never make `choose`
    ///      revert and cost the challenger its move).
    function _extendedDefenderClock(Game storage g) private view returns (uint64) {
        uint256 clock = uint256(g.defenderClock) + phase2ExtensionFor(g.creator, g.defender);
        return clock > type(uint64).max ? type(uint64).max : uint64(clock);
    }

    /// @dev Charges the elapsed time to the moving side's clock; reverts once it has run out.
    function _spend(uint256 gameId, Game storage g, bool defender) private {
        uint256 elapsed = block.timestamp - g.lastMoveAt;
        uint64 clock = defender ? g.defenderClock : g.challengerClock;
        if (elapsed > clock) revert ClockExpired(gameId, uint256(g.lastMoveAt) + clock, block.timestamp);
        if (defender) g.defenderClock = clock - uint64(elapsed);
        else g.challengerClock = clock - uint64(elapsed);
        g.lastMoveAt = uint64(block.timestamp);
    }

    /// @dev H("opml.game.commitments.v1" ‖ c_1 ‖ … ‖ c_{m-1}).
    function _commitmentsHash(bytes32[] calldata intermediates) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(COMMITMENTS_DOMAIN, intermediates));
    }

    function _segments(uint256 len) private view returns (uint256) {
        return len < k ? len : k;
    }

    /// @dev Rounds to cut a segment of `len` down to 1 when each round keeps the largest part:
    ///      a part of ceil(len/m).
    function _roundsFor(uint256 len) private view returns (uint256 r) {
        while (len > 1) {
            uint256 m = _segments(len);
            len = (len + m - 1) / m;
            ++r;
        }
    }

    function _resolve(uint256 gameId, Game storage g, bool defenderWon, bool byTimeout) private {
        Status s = defenderWon ? Status.DefenderWon : Status.ChallengerWon;
        g.status = s;
        g.phase = Phase.Resolved;
        --openGamesOf[g.creator][g.defender];
        emit GameResolved(gameId, s, byTimeout);
        address creator = g.creator;
        if (creator.code.length != 0) IGameResolver(creator).onGameResolved(gameId, defenderWon);
    }
}
