// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GameHarness} from "./GameHarness.sol";
import {ToyVm, ToyPhaseBoundary} from "./ToyVm.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";
import {IDisputeGame, IGameResolver} from "../../src/interfaces/IDisputeGame.sol";
import {IStepVerifier, VmStatus} from "../../src/interfaces/IStepVerifier.sol";
import {IPhaseBoundary} from "../../src/interfaces/IPhaseBoundary.sol";
import {ModelCommitment} from "../../src/interfaces/ModelCommitment.sol";
import {PhaseBoundary} from "../../src/phase/PhaseBoundary.sol";

/// @notice Unit tests of every move and every revert of DisputeGame, and end-to-end games over the
///         toy VM. The test contract is the games' creator and records the resolution callbacks.
contract DisputeGameTest is GameHarness, IGameResolver {
    uint256 internal constant N = 7;
    uint256 internal constant D = 4; // 16 steps per node; the toy program halts after 10
    uint256 internal constant STEPS = 16;

    DisputeGame internal game;
    mapping(uint256 => uint256) internal resolvedCalls;
    mapping(uint256 => bool) internal resolvedDefenderWon;

    function setUp() public {
        vm.warp(1_700_000_000);
        _deployToys();
        game = _newGame(3, D);
    }

    function onGameResolved(uint256 gameId, bool defenderWon) external {
        require(msg.sender == address(game), "only game");
        resolvedCalls[gameId] += 1;
        resolvedDefenderWon[gameId] = defenderWon;
    }

    function _open(uint256 n, Party memory d) internal returns (uint256 id) {
        bytes32[] memory gs = _graph(d, n, STEPS);
        id = game.createGame(DEF, CHAL, _model(n), S0, gs[n]);
    }

    function _view(uint256 id) internal view returns (IDisputeGame.GameView memory) {
        return game.getGame(id);
    }

    /// @dev Drives a game with an honest challenger against a liar until `phase` is reached.
    function _advanceTo(uint256 id, Party memory d, IDisputeGame.Phase phase, uint256 n) internal {
        Party memory c = honest(CHAL);
        bytes32[] memory gd = _graph(d, n, STEPS);
        bytes32[] memory gc = _graph(c, n, STEPS);
        for (uint256 i = 0; i < 100; ++i) {
            IDisputeGame.GameView memory v = _view(id);
            if (v.phase == phase) return;
            if (v.phase == IDisputeGame.Phase.Bisect) {
                bytes32[] memory inter = _commitments(d, gd, v, game.k());
                vm.prank(DEF);
                game.bisect(id, inter);
            } else if (v.phase == IDisputeGame.Phase.Choose) {
                bytes32[] memory inter = _commitments(d, gd, v, game.k());
                uint256 idx = _choice(c, gc, v, inter);
                vm.prank(CHAL);
                game.choose(id, inter, idx);
            } else if (v.phase == IDisputeGame.Phase.OpenPhase2) {
                _openPhase2(id, d, gd);
            } else {
                revert("cannot advance");
            }
        }
        revert("phase not reached");
    }

    function _openPhase2(uint256 id, Party memory d, bytes32[] memory) internal {
        IDisputeGame.GameView memory v = _view(id);
        (bytes32 fh, bytes memory exitProof) = world.exitProof(N, STEPS, d.lieNode, d.lieStep, v.lo);
        vm.prank(DEF);
        game.openPhase2(id, _model(N), fh, "", exitProof);
    }

    // ------------------------------------------------------------------ constructor

    function test_constructor_arityBelowTwo_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.InvalidArity.selector, 1));
        new DisputeGame(1, D, CLOCK, EXT2, EXTS, verifier, boundary);
    }

    function test_constructor_arityAbove64_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.InvalidArity.selector, 65));
        new DisputeGame(65, D, CLOCK, EXT2, EXTS, verifier, boundary);
    }

    function test_constructor_stepDepthZeroOrTooLarge_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.InvalidStepDepth.selector, 0));
        new DisputeGame(2, 0, CLOCK, EXT2, EXTS, verifier, boundary);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.InvalidStepDepth.selector, 63));
        new DisputeGame(2, 63, CLOCK, EXT2, EXTS, verifier, boundary);
    }

    /// @notice Level 2 must cover the boundary's step cap: with 2^D below it an honest node that
    ///         halts after more than 2^D steps could not be defended.
    function test_constructor_stepDepthBelowStepLimit_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.StepDepthBelowStepLimit.selector, 3, 16));
        new DisputeGame(2, 3, CLOCK, EXT2, EXTS, verifier, boundary);
        DisputeGame atCap = new DisputeGame(2, 4, CLOCK, EXT2, EXTS, verifier, boundary);
        assertEq(atCap.stepDepth(), 4);
    }

    function test_constructor_realBoundary_refusesStepDepthBelow32() public {
        PhaseBoundary real = new PhaseBoundary();
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.StepDepthBelowStepLimit.selector, 31, uint256(1) << 32));
        new DisputeGame(2, 31, CLOCK, EXT2, EXTS, verifier, real);
        assertEq(new DisputeGame(2, 32, CLOCK, EXT2, EXTS, verifier, real).stepDepth(), 32);
    }

    function test_constructor_zeroClock_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.InvalidClock.selector, 0));
        new DisputeGame(2, D, 0, EXT2, EXTS, verifier, boundary);
    }

    // ------------------------------------------------------------------ createGame

    function test_createGame_setsLevelOneSegmentAndClocks() public {
        vm.expectEmit(true, true, false, true);
        emit IDisputeGame.GameCreated(1, address(this), DEF, CHAL, _model(N), S0, bytes32(uint256(5)));
        uint256 id = game.createGame(DEF, CHAL, _model(N), S0, bytes32(uint256(5)));
        assertEq(id, 1);
        assertEq(game.gameCount(), 1);
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.creator, address(this));
        assertEq(v.defender, DEF);
        assertEq(v.challenger, CHAL);
        assertTrue(v.status == IDisputeGame.Status.InProgress);
        assertTrue(v.phase == IDisputeGame.Phase.Bisect);
        assertEq(v.level, 1);
        assertEq(v.lo, 0);
        assertEq(v.hi, N);
        assertEq(v.startHash, S0);
        assertEq(v.endHash, bytes32(uint256(5)));
        assertEq(v.defenderClock, CLOCK);
        assertEq(v.challengerClock, CLOCK);
        assertEq(v.modelHash, keccak256(abi.encode(_model(N))));
        assertEq(game.deadlineOf(id), block.timestamp + CLOCK);
    }

    function test_createGame_singleNode_opensPhase2DirectlyWithExtension() public {
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, bytes32(uint256(5)));
        IDisputeGame.GameView memory v = _view(id);
        assertTrue(v.phase == IDisputeGame.Phase.OpenPhase2);
        assertEq(v.defenderClock, CLOCK + EXT2);
    }

    function test_createGame_zeroParty_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.ZeroParty.selector, address(0), CHAL));
        game.createGame(address(0), CHAL, _model(N), S0, S0);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.ZeroParty.selector, DEF, address(0)));
        game.createGame(DEF, address(0), _model(N), S0, S0);
    }

    function test_createGame_zeroNodeCount_reverts() public {
        vm.expectRevert(DisputeGame.ZeroNodeCount.selector);
        game.createGame(DEF, CHAL, _model(0), S0, S0);
    }

    // ------------------------------------------------------------------ bisect

    function test_bisect_storesHashOfCommitmentsAndPassesTurn() public {
        uint256 id = _open(N, honest(DEF));
        bytes32[] memory inter = new bytes32[](2);
        inter[0] = bytes32(uint256(11));
        inter[1] = bytes32(uint256(22));
        vm.warp(block.timestamp + 100);
        vm.expectEmit(true, false, false, true);
        emit IDisputeGame.Bisected(id, 1, 0, uint64(N), inter);
        vm.prank(DEF);
        game.bisect(id, inter);
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.commitmentsHash, keccak256(abi.encodePacked(game.COMMITMENTS_DOMAIN(), inter)));
        assertTrue(v.phase == IDisputeGame.Phase.Choose);
        assertEq(v.defenderClock, CLOCK - 100);
        assertEq(v.lastMoveAt, block.timestamp);
    }

    function test_bisect_wrongMover_reverts() public {
        uint256 id = _open(N, honest(DEF));
        bytes32[] memory inter = new bytes32[](2);
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.WrongMover.selector, id, DEF, CHAL));
        game.bisect(id, inter);
    }

    function test_bisect_wrongPhase_reverts() public {
        uint256 id = _open(N, honest(DEF));
        bytes32[] memory inter = new bytes32[](2);
        vm.prank(DEF);
        game.bisect(id, inter);
        vm.prank(DEF);
        vm.expectRevert(
            abi.encodeWithSelector(
                DisputeGame.WrongPhase.selector, id, IDisputeGame.Phase.Bisect, IDisputeGame.Phase.Choose
            )
        );
        game.bisect(id, inter);
    }

    function test_bisect_wrongCommitmentCount_reverts() public {
        uint256 id = _open(N, honest(DEF));
        bytes32[] memory inter = new bytes32[](3);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.WrongCommitmentCount.selector, 2, 3));
        game.bisect(id, inter);
    }

    function test_bisect_shortSegment_takesFewerCommitments() public {
        // N = 2 < k = 3: m = 2 sub-segments, one commitment.
        uint256 id = game.createGame(DEF, CHAL, _model(2), S0, S0);
        assertEq(game.segmentsFor(2), 2);
        bytes32[] memory two = new bytes32[](2);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.WrongCommitmentCount.selector, 1, 2));
        game.bisect(id, two);
        bytes32[] memory one = new bytes32[](1);
        vm.prank(DEF);
        game.bisect(id, one);
    }

    function test_bisect_expiredClock_reverts() public {
        uint256 id = _open(N, honest(DEF));
        uint256 deadline = block.timestamp + CLOCK;
        vm.warp(deadline + 1);
        bytes32[] memory inter = new bytes32[](2);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.ClockExpired.selector, id, deadline, deadline + 1));
        game.bisect(id, inter);
    }

    function test_bisect_atDeadline_isStillValid() public {
        uint256 id = _open(N, honest(DEF));
        vm.warp(block.timestamp + CLOCK);
        bytes32[] memory inter = new bytes32[](2);
        vm.prank(DEF);
        game.bisect(id, inter);
        assertEq(_view(id).defenderClock, 0);
    }

    function test_bisect_unknownGame_reverts() public {
        bytes32[] memory inter = new bytes32[](2);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.GameNotInProgress.selector, 42, IDisputeGame.Status.None));
        game.bisect(42, inter);
    }

    // ------------------------------------------------------------------ choose

    function _bisected() internal returns (uint256 id, bytes32[] memory inter) {
        id = _open(N, honest(DEF));
        inter = new bytes32[](2);
        inter[0] = bytes32(uint256(11));
        inter[1] = bytes32(uint256(22));
        vm.prank(DEF);
        game.bisect(id, inter);
    }

    function test_choose_narrowsToChosenSubSegment() public {
        (uint256 id, bytes32[] memory inter) = _bisected();
        // N = 7, m = 3: points 0, 2, 4, 7.
        vm.warp(block.timestamp + 50);
        vm.expectEmit(true, false, false, true);
        emit IDisputeGame.SegmentChosen(id, 1, 2, 4, inter[0], inter[1]);
        vm.prank(CHAL);
        game.choose(id, inter, 1);
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.lo, 2);
        assertEq(v.hi, 4);
        assertEq(v.startHash, inter[0]);
        assertEq(v.endHash, inter[1]);
        assertTrue(v.phase == IDisputeGame.Phase.Bisect);
        assertEq(v.challengerClock, CLOCK - 50);
    }

    function test_choose_firstAndLastSubSegmentsUseGameEndpoints() public {
        (uint256 id, bytes32[] memory inter) = _bisected();
        vm.prank(CHAL);
        game.choose(id, inter, 2);
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.lo, 4);
        assertEq(v.hi, 7);
        assertEq(v.startHash, inter[1]);
        assertEq(v.endHash, _graph(honest(DEF), N, STEPS)[N]);

        (uint256 id2, bytes32[] memory inter2) = _bisected();
        vm.prank(CHAL);
        game.choose(id2, inter2, 0);
        v = _view(id2);
        assertEq(v.lo, 0);
        assertEq(v.hi, 2);
        assertEq(v.startHash, S0);
        assertEq(v.endHash, inter2[0]);
    }

    function test_choose_wrongMover_reverts() public {
        (uint256 id, bytes32[] memory inter) = _bisected();
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.WrongMover.selector, id, CHAL, DEF));
        game.choose(id, inter, 0);
    }

    function test_choose_wrongPhase_reverts() public {
        uint256 id = _open(N, honest(DEF));
        bytes32[] memory inter = new bytes32[](2);
        vm.prank(CHAL);
        vm.expectRevert(
            abi.encodeWithSelector(
                DisputeGame.WrongPhase.selector, id, IDisputeGame.Phase.Choose, IDisputeGame.Phase.Bisect
            )
        );
        game.choose(id, inter, 0);
    }

    function test_choose_staleCommitments_reverts() public {
        (uint256 id, bytes32[] memory inter) = _bisected();
        bytes32 expected = keccak256(abi.encodePacked(game.COMMITMENTS_DOMAIN(), inter));
        inter[1] = bytes32(uint256(23));
        bytes32 supplied = keccak256(abi.encodePacked(game.COMMITMENTS_DOMAIN(), inter));
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.StaleCommitments.selector, expected, supplied));
        game.choose(id, inter, 0);
    }

    function test_choose_indexOutOfRange_reverts() public {
        (uint256 id, bytes32[] memory inter) = _bisected();
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.SegmentIndexOutOfRange.selector, 3, 3));
        game.choose(id, inter, 3);
    }

    function test_choose_expiredClock_reverts() public {
        (uint256 id, bytes32[] memory inter) = _bisected();
        uint256 deadline = block.timestamp + CLOCK;
        vm.warp(deadline + 1);
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.ClockExpired.selector, id, deadline, deadline + 1));
        game.choose(id, inter, 0);
    }

    function test_choose_toSingleNode_extendsDefenderClockForPhase2() public {
        uint256 id = game.createGame(DEF, CHAL, _model(2), S0, S0);
        bytes32[] memory one = new bytes32[](1);
        vm.prank(DEF);
        game.bisect(id, one);
        vm.prank(CHAL);
        game.choose(id, one, 1);
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.lo, 1);
        assertEq(v.hi, 2);
        assertTrue(v.phase == IDisputeGame.Phase.OpenPhase2);
        assertEq(v.defenderClock, CLOCK + EXT2);
    }

    /// @notice The k-way split partitions any segment into m = min(k, len) non-empty parts.
    function testFuzz_segmentSplit_partitionsExactly(uint256 len, uint256 k) public pure {
        len = len % 1_000_000 + 2;
        k = k % 63 + 2;
        uint256 m = len < k ? len : k;
        uint256 prev = 0;
        for (uint256 i = 1; i <= m; ++i) {
            uint256 p = (len * i) / m;
            require(p > prev, "empty sub-segment");
            prev = p;
        }
        require(prev == len, "does not end at hi");
    }

    // ------------------------------------------------------------------ openPhase2

    function test_openPhase2_startsLevelTwoFromBuiltInitialState() public {
        Party memory d = liar(DEF, 3, 5);
        uint256 id = _open(N, d);
        _advanceTo(id, d, IDisputeGame.Phase.OpenPhase2, N);
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.lo, 3, "honest challenger narrows to the lying node");
        bytes32[] memory gd = _graph(d, N, STEPS);
        bytes32 initial = ToyVm.hashOf(ToyVm.initial(world.programRoot(), gd[3], 3));
        (bytes32 fh, bytes memory exitProof) = world.exitProof(N, STEPS, 3, 5, 3);
        assertEq(fh, ToyVm.hashOf(world.stateAt(gd[3], 3, STEPS, 5)));
        vm.expectEmit(true, false, false, true);
        emit IDisputeGame.Phase2Opened(id, 3, initial, fh);
        vm.prank(DEF);
        game.openPhase2(id, _model(N), fh, "", exitProof);
        v = _view(id);
        assertEq(v.level, 2);
        assertEq(v.node, 3);
        assertEq(v.lo, 0);
        assertEq(v.hi, STEPS);
        assertEq(v.startHash, initial);
        assertEq(v.endHash, fh);
        assertTrue(v.phase == IDisputeGame.Phase.Bisect);
    }

    function test_openPhase2_wrongMover_reverts() public {
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, S0);
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.WrongMover.selector, id, DEF, CHAL));
        game.openPhase2(id, _model(1), bytes32(0), "", "");
    }

    function test_openPhase2_wrongPhase_reverts() public {
        uint256 id = _open(N, honest(DEF));
        vm.prank(DEF);
        vm.expectRevert(
            abi.encodeWithSelector(
                DisputeGame.WrongPhase.selector, id, IDisputeGame.Phase.OpenPhase2, IDisputeGame.Phase.Bisect
            )
        );
        game.openPhase2(id, _model(N), bytes32(0), "", "");
    }

    function test_openPhase2_modelMismatch_reverts() public {
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, S0);
        ModelCommitment memory other = _model(1);
        other.weightsRoot = bytes32(uint256(1));
        vm.prank(DEF);
        vm.expectRevert(
            abi.encodeWithSelector(
                DisputeGame.ModelMismatch.selector, keccak256(abi.encode(_model(1))), keccak256(abi.encode(other))
            )
        );
        game.openPhase2(id, other, bytes32(0), "", "");
    }

    function test_openPhase2_finalStateNotHalted_reverts() public {
        bytes32[] memory gs = _graph(honest(DEF), 1, STEPS);
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, gs[1]);
        ToyVm.State memory running = world.stateAt(S0, 0, 3, HONEST);
        bytes32 h = ToyVm.hashOf(running);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.FinalStateNotHalted.selector, h, VmStatus.RUNNING));
        game.openPhase2(id, _model(1), h, "", "");
    }

    function test_openPhase2_exitNotGivingDisputedState_reverts() public {
        // The defender claims S_1 = 0x05, which no halted state of node 0 produces.
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, bytes32(uint256(5)));
        (bytes32 fh, bytes memory exitProof) = world.exitProof(1, STEPS, HONEST, HONEST, 0);
        bytes32 honestS1 = _graph(honest(DEF), 1, STEPS)[1];
        vm.prank(DEF);
        vm.expectRevert(
            abi.encodeWithSelector(ToyPhaseBoundary.ExitStateMismatch.selector, bytes32(uint256(5)), honestS1)
        );
        game.openPhase2(id, _model(1), fh, "", exitProof);
    }

    function test_openPhase2_exitWitnessNotTheClaimedFinalState_reverts() public {
        bytes32[] memory gs = _graph(honest(DEF), 1, STEPS);
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, gs[1]);
        (bytes32 fh, bytes memory exitProof) = world.exitProof(1, STEPS, HONEST, HONEST, 0);
        bytes32 other = VmStatus.tag(keccak256("other"), VmStatus.HALTED);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(ToyPhaseBoundary.ExitWitnessMismatch.selector, other, fh));
        game.openPhase2(id, _model(1), other, "", exitProof);
    }

    function test_openPhase2_badPhaseProof_reverts() public {
        bytes32[] memory gs = _graph(honest(DEF), 1, STEPS);
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, gs[1]);
        (bytes32 fh, bytes memory exitProof) = world.exitProof(1, STEPS, HONEST, HONEST, 0);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(ToyPhaseBoundary.UnexpectedPhaseProof.selector, 1));
        game.openPhase2(id, _model(1), fh, hex"01", exitProof);
    }

    function test_openPhase2_expiredClockIncludingExtension_reverts() public {
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, S0);
        uint256 deadline = block.timestamp + CLOCK + EXT2;
        vm.warp(deadline + 1);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.ClockExpired.selector, id, deadline, deadline + 1));
        game.openPhase2(id, _model(1), bytes32(0), "", "");
    }

    // ------------------------------------------------------------------ defender load

    /// @notice K challengers steering K games to K different nodes make the defender run K nodes:
    ///         the game narrowing now is granted one extension per game the defender has open.
    function test_phase2Extension_growsWithTheDefendersOpenGames() public {
        Party memory d = liar(DEF, 2, 4); // a challenger disputes only a liar's claim
        uint256 first = _open(N, d);
        _open(N, d);
        _open(N, d);
        assertEq(game.openGamesOf(address(this), DEF), 3);
        assertEq(game.phase2ExtensionFor(address(this), DEF), 3 * uint256(EXT2));
        _advanceTo(first, d, IDisputeGame.Phase.OpenPhase2, N);
        assertEq(_view(first).defenderClock, CLOCK + 3 * EXT2, "no time passed: the whole clock plus 3 extensions");
    }

    /// @notice Only the games of the same creator and defender count: a stranger's games (no bond)
    ///         cannot lengthen an oracle's games, and another defender's load is its own.
    function test_phase2Extension_countsOnlyTheSameCreatorAndDefender() public {
        Party memory d = liar(DEF, 2, 4); // a challenger disputes only a liar's claim
        uint256 id = _open(N, d);
        vm.prank(address(0xBEEF));
        game.createGame(DEF, CHAL, _model(N), S0, S0);
        game.createGame(address(0xD2), CHAL, _model(N), S0, S0);
        assertEq(game.openGamesOf(address(this), DEF), 1);
        assertEq(game.openGamesOf(address(0xBEEF), DEF), 1);
        _advanceTo(id, d, IDisputeGame.Phase.OpenPhase2, N);
        assertEq(_view(id).defenderClock, CLOCK + EXT2);
    }

    /// @notice A resolved game no longer counts: its VM work is done or was never needed.
    function test_phase2Extension_resolvedGamesStopCounting() public {
        Party memory d = honest(DEF);
        uint256 early = _open(N, d);
        uint256 id = _open(N, d);
        vm.warp(block.timestamp + CLOCK + 1);
        game.timeout(early); // the defender, on move, let its clock run out
        assertEq(game.openGamesOf(address(this), DEF), 1);
        bytes32[] memory gs = _graph(d, N, STEPS);
        game.createGame(DEF, CHAL, _model(N), S0, gs[N]);
        assertEq(game.openGamesOf(address(this), DEF), 2);
        vm.warp(block.timestamp + CLOCK + 1);
        game.timeout(id);
        assertEq(game.openGamesOf(address(this), DEF), 1);
        assertEq(game.phase2ExtensionFor(address(this), DEF), EXT2);
    }

    function test_phase2Extension_singleNodeGameCountsTheOpenGames() public {
        game.createGame(DEF, CHAL, _model(N), S0, S0);
        uint256 id = game.createGame(DEF, CHAL, _model(1), S0, bytes32(uint256(5)));
        assertEq(_view(id).defenderClock, CLOCK + 2 * EXT2);
    }

    /// @notice However many games are open, narrowing never reverts: the clock saturates.
    function test_phase2Extension_saturatesTheDefendersClock() public {
        DisputeGame huge = new DisputeGame(3, D, CLOCK, type(uint64).max, EXTS, verifier, boundary);
        huge.createGame(DEF, CHAL, _model(N), S0, S0);
        uint256 id = huge.createGame(DEF, CHAL, _model(1), S0, bytes32(uint256(5)));
        assertEq(huge.getGame(id).defenderClock, type(uint64).max);
        assertEq(huge.phase2ExtensionFor(address(this), DEF), 2 * uint256(type(uint64).max));
    }

    // ------------------------------------------------------------------ step

    function _atStep(Party memory d) internal returns (uint256 id) {
        id = _open(N, d);
        _advanceTo(id, d, IDisputeGame.Phase.Step, N);
    }

    function test_step_lyingDefenderLoses_andCreatorIsToldOnce() public {
        Party memory d = liar(DEF, 2, 4);
        uint256 id = _atStep(d);
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.level, 2);
        assertEq(v.hi - v.lo, 1);
        assertEq(v.lo, 3, "first wrong state is after step 3, where the lie is");
        bytes32[] memory gc = _graph(honest(CHAL), N, STEPS);
        ToyVm.State memory pre = world.stateAt(gc[2], 2, v.lo, HONEST);
        bytes memory proof = world.proofFor(pre.pc);
        vm.expectEmit(true, false, false, false);
        emit IDisputeGame.GameResolved(id, IDisputeGame.Status.ChallengerWon, false);
        game.step(id, ToyVm.encode(pre), proof); // permissionless
        assertTrue(game.statusOf(id) == IDisputeGame.Status.ChallengerWon);
        assertEq(resolvedCalls[id], 1);
        assertTrue(!resolvedDefenderWon[id]);
        assertTrue(_view(id).phase == IDisputeGame.Phase.Resolved);
    }

    function test_step_extendsChallengerClock() public {
        Party memory d = liar(DEF, 2, 4);
        uint256 id = _open(N, d);
        _advanceTo(id, d, IDisputeGame.Phase.Step, N);
        // No time passed in _advanceTo: the challenger's clock is its budget plus the extension.
        assertEq(_view(id).challengerClock, CLOCK + EXTS);
        assertEq(_view(id).defenderClock, CLOCK + EXT2);
    }

    function test_step_preStateMismatch_reverts() public {
        uint256 id = _atStep(liar(DEF, 2, 4));
        IDisputeGame.GameView memory v = _view(id);
        bytes32[] memory gc = _graph(honest(CHAL), N, STEPS);
        ToyVm.State memory wrong = world.stateAt(gc[2], 2, v.lo + 1, HONEST);
        bytes memory proof = world.proofFor(wrong.pc);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.PreStateMismatch.selector, v.startHash, ToyVm.hashOf(wrong)));
        game.step(id, ToyVm.encode(wrong), proof);
    }

    function test_step_badProof_reverts() public {
        uint256 id = _atStep(liar(DEF, 2, 4));
        IDisputeGame.GameView memory v = _view(id);
        bytes32[] memory gc = _graph(honest(CHAL), N, STEPS);
        ToyVm.State memory pre = world.stateAt(gc[2], 2, v.lo, HONEST);
        bytes memory proof = world.proofFor(pre.pc + 1); // proof for the wrong instruction
        (bytes32 word, bytes32[4] memory sib) = abi.decode(proof, (bytes32, bytes32[4]));
        bytes32 computed = ToyVm.rootFromLeaf(word, pre.pc, sib);
        vm.expectRevert(abi.encodeWithSelector(ToyVm.BadProof.selector, world.programRoot(), computed));
        game.step(id, ToyVm.encode(pre), proof);
    }

    function test_step_wrongPhase_reverts() public {
        uint256 id = _open(N, honest(DEF));
        vm.expectRevert(
            abi.encodeWithSelector(
                DisputeGame.WrongPhase.selector, id, IDisputeGame.Phase.Step, IDisputeGame.Phase.Bisect
            )
        );
        game.step(id, "", "");
    }

    function test_step_expiredClock_reverts() public {
        uint256 id = _atStep(liar(DEF, 2, 4));
        uint256 deadline = game.deadlineOf(id);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.ClockExpired.selector, id, deadline, deadline + 1));
        game.step(id, "", "");
    }

    function test_step_afterResolution_reverts() public {
        uint256 id = _atStep(liar(DEF, 2, 4));
        vm.warp(game.deadlineOf(id) + 1);
        game.timeout(id);
        vm.expectRevert(
            abi.encodeWithSelector(DisputeGame.GameNotInProgress.selector, id, IDisputeGame.Status.DefenderWon)
        );
        game.step(id, "", "");
    }

    // ------------------------------------------------------------------ timeout

    function test_timeout_defenderOnMove_challengerWins() public {
        uint256 id = _open(N, honest(DEF));
        vm.warp(block.timestamp + CLOCK + 1);
        vm.expectEmit(true, false, false, true);
        emit IDisputeGame.GameResolved(id, IDisputeGame.Status.ChallengerWon, true);
        vm.prank(address(0xBEEF)); // permissionless
        game.timeout(id);
        assertTrue(game.statusOf(id) == IDisputeGame.Status.ChallengerWon);
        assertEq(resolvedCalls[id], 1);
    }

    function test_timeout_challengerOnMove_defenderWins() public {
        (uint256 id,) = _bisected();
        vm.warp(block.timestamp + CLOCK + 1);
        game.timeout(id);
        assertTrue(game.statusOf(id) == IDisputeGame.Status.DefenderWon);
        assertTrue(resolvedDefenderWon[id]);
    }

    function test_timeout_clockNotExpired_reverts() public {
        uint256 id = _open(N, honest(DEF));
        uint256 deadline = block.timestamp + CLOCK;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(DisputeGame.ClockNotExpired.selector, id, deadline, deadline));
        game.timeout(id);
    }

    function test_timeout_twice_reverts() public {
        uint256 id = _open(N, honest(DEF));
        vm.warp(block.timestamp + CLOCK + 1);
        game.timeout(id);
        vm.expectRevert(
            abi.encodeWithSelector(DisputeGame.GameNotInProgress.selector, id, IDisputeGame.Status.ChallengerWon)
        );
        game.timeout(id);
        assertEq(resolvedCalls[id], 1);
    }

    function test_timeout_usesRemainingClockNotFullBudget() public {
        uint256 id = _open(N, honest(DEF));
        vm.warp(block.timestamp + CLOCK - 10); // defender burns almost all of its clock
        bytes32[] memory inter = new bytes32[](2);
        vm.prank(DEF);
        game.bisect(id, inter);
        vm.prank(CHAL);
        game.choose(id, inter, 0);
        vm.warp(block.timestamp + 11);
        game.timeout(id);
        assertTrue(game.statusOf(id) == IDisputeGame.Status.ChallengerWon);
    }

    // ------------------------------------------------------------------ resolution callback

    function test_resolution_reentrantCreator_reverts() public {
        ReentrantCreator rc = new ReentrantCreator(game);
        uint256 id = rc.open(DEF, CHAL, _model(N), S0);
        vm.warp(block.timestamp + CLOCK + 1);
        vm.expectRevert(DisputeGame.Reentrancy.selector);
        game.timeout(id);
    }

    function test_resolution_creatorWithoutCode_isNotCalled() public {
        vm.prank(address(0xE0A));
        uint256 id = game.createGame(DEF, CHAL, _model(N), S0, S0);
        vm.warp(block.timestamp + CLOCK + 1);
        game.timeout(id);
        assertTrue(game.statusOf(id) == IDisputeGame.Status.ChallengerWon);
    }

    // ------------------------------------------------------------------ end to end

    function test_endToEnd_honestChallengerBeatsLyingDefender() public {
        Party memory d = liar(DEF, 5, 7);
        uint256 id = _open(N, d);
        bool defenderWon = _play(game, id, d, honest(CHAL), N);
        assertTrue(!defenderWon);
        assertEq(resolvedCalls[id], 1);
    }

    function test_endToEnd_honestDefenderBeatsLyingChallenger() public {
        Party memory d = honest(DEF);
        uint256 id = _open(N, d);
        bool defenderWon = _play(game, id, d, liar(CHAL, 1, 2), N);
        assertTrue(defenderWon);
    }

    function test_endToEnd_lieAfterHalt_isCaughtAtAFixedPointStep() public {
        Party memory d = liar(DEF, 6, 13); // acc flipped after the program halted at step 10
        uint256 id = _open(N, d);
        assertTrue(!_play(game, id, d, honest(CHAL), N));
        IDisputeGame.GameView memory v = _view(id);
        assertEq(v.lo, 12, "the disputed step is the halted fixed point before the lie");
    }

    /// @notice Any lie, anywhere, at any arity: the honest challenger wins.
    function testFuzz_honestChallengerBeatsAnyLie(uint256 lieNode, uint256 lieStep, uint256 k, uint256 n) public {
        n = bound(n, 1, 40);
        lieNode = bound(lieNode, 0, n - 1);
        lieStep = bound(lieStep, 0, STEPS);
        k = bound(k, 2, 9);
        game = _newGame(k, D);
        Party memory d = liar(DEF, lieNode, lieStep);
        bytes32[] memory gs = _graph(d, n, STEPS);
        uint256 id = game.createGame(DEF, CHAL, _model(n), S0, gs[n]);
        assertTrue(!_play(game, id, d, honest(CHAL), n));
    }

    /// @notice An honest defender beats a challenger that picks sub-segments at random.
    function testFuzz_honestDefenderBeatsRandomChallenger(uint256 seed, uint256 k, uint256 n) public {
        n = bound(n, 1, 40);
        k = bound(k, 2, 9);
        game = _newGame(k, D);
        Party memory d = honest(DEF);
        uint256 id = game.createGame(DEF, CHAL, _model(n), S0, _graph(d, n, STEPS)[n]);
        assertTrue(_play(game, id, d, randomChallenger(CHAL, seed), n));
    }

    function test_maxRounds_matchesFormula() public {
        // k = 3, N = 7: [0,7] -> 3 -> 1 : 2 rounds; 2^4 = 16 -> 6 -> 2 -> 1 : 3 rounds.
        assertEq(game.maxRounds(7), 5);
        DisputeGame g2 = _newGame(2, 32);
        assertEq(g2.maxRounds(1254), 11 + 32);
        DisputeGame g16 = _newGame(16, 32);
        assertEq(g16.maxRounds(1254), 3 + 8);
    }
}

/// @notice A creator that re-enters the game from its resolution callback.
contract ReentrantCreator is IGameResolver {
    DisputeGame internal immutable game;

    constructor(DisputeGame g) {
        game = g;
    }

    function open(address d, address c, ModelCommitment memory m, bytes32 s0) external returns (uint256) {
        return game.createGame(d, c, m, s0, s0);
    }

    function onGameResolved(uint256 gameId, bool) external {
        game.timeout(gameId);
    }
}
