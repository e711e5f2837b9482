// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {ToyVm, ToyStepVerifier, ToyPhaseBoundary, ToyWorld} from "./ToyVm.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {ModelCommitment} from "../../src/interfaces/ModelCommitment.sol";

/// @notice Shared setup and party strategies for the game tests: a party is an honest run of the
///         toy VM, or one that lies at (lieNode, lieStep) and stays consistent with its lie.
abstract contract GameHarness is Test {
    struct Party {
        address addr;
        uint256 lieNode; // >= N: honest
        uint256 lieStep;
        bool random; // a challenger that picks sub-segments at random
        uint256 seed;
    }

    uint256 internal constant HONEST = type(uint256).max;
    uint64 internal constant CLOCK = 1 days;
    uint64 internal constant EXT2 = 2 days;
    uint64 internal constant EXTS = 3 hours;

    address internal constant DEF = address(0xDEF);
    address internal constant CHAL = address(0xC4A1);

    ToyStepVerifier internal verifier;
    ToyPhaseBoundary internal boundary;
    ToyWorld internal world;
    bytes32 internal S0; // the toy world's S_0 (its fixed input in slot 0)
    bytes32 internal programRoot; // cached: building a model must not make an external call (prank/expectRevert)

    uint256 internal moveDelay = 1 hours; // each side waits this long before each move in _play

    // gas accounting of the last played game (execution gas, plus 21000 + 16 gas/calldata byte)
    uint256 internal gasBisect;
    uint256 internal gasBisectSum; // every bisect transaction of the game: the defender's posts
    uint256 internal gasChoose;
    uint256 internal gasOpen;
    uint256 internal gasStep;
    uint256 internal txCount;
    uint256 internal txGasTotal;

    function _deployToys() internal {
        verifier = new ToyStepVerifier();
        boundary = new ToyPhaseBoundary();
        world = new ToyWorld(10);
        programRoot = world.programRoot();
        S0 = world.s0();
    }

    function _newGame(uint256 k, uint256 depth) internal returns (DisputeGame) {
        return new DisputeGame(k, depth, CLOCK, EXT2, EXTS, verifier, boundary);
    }

    function _model(uint256 n) internal view returns (ModelCommitment memory) {
        return ModelCommitment(programRoot, keccak256("graph"), keccak256("weights"), uint32(n));
    }

    function _graph(Party memory p, uint256 n, uint256 steps) internal view returns (bytes32[] memory) {
        return world.graphStates(n, steps, p.lieNode, p.lieStep);
    }

    function honest(address a) internal pure returns (Party memory p) {
        p.addr = a;
        p.lieNode = HONEST;
        p.lieStep = HONEST;
    }

    function liar(address a, uint256 node, uint256 stepIdx) internal pure returns (Party memory p) {
        p.addr = a;
        p.lieNode = node;
        p.lieStep = stepIdx;
    }

    function randomChallenger(address a, uint256 seed) internal pure returns (Party memory p) {
        p = honest(a);
        p.random = true;
        p.seed = seed;
    }

    /// @dev The commitment party `p` holds at point `x` of the game's current level.
    function _valueAt(Party memory p, bytes32[] memory graph, IDisputeGame.GameView memory v, uint256 x)
        internal
        view
        returns (bytes32)
    {
        if (v.level == 1) return graph[x];
        return world.hashAt(graph[v.node], v.node, x, v.node == p.lieNode ? p.lieStep : HONEST);
    }

    function _commitments(Party memory p, bytes32[] memory graph, IDisputeGame.GameView memory v, uint256 k)
        internal
        view
        returns (bytes32[] memory inter)
    {
        uint256 len = v.hi - v.lo;
        uint256 m = len < k ? len : k;
        inter = new bytes32[](m - 1);
        for (uint256 i = 1; i < m; ++i) {
            inter[i - 1] = _valueAt(p, graph, v, v.lo + (len * i) / m);
        }
    }

    function _choice(Party memory p, bytes32[] memory graph, IDisputeGame.GameView memory v, bytes32[] memory inter)
        internal
        view
        returns (uint256)
    {
        uint256 m = inter.length + 1;
        if (p.random) {
            p.seed = uint256(keccak256(abi.encode(p.seed)));
            return p.seed % m;
        }
        uint256 len = v.hi - v.lo;
        for (uint256 i = 0; i < m; ++i) {
            bytes32 theirs = i == m - 1 ? v.endHash : inter[i];
            if (theirs != _valueAt(p, graph, v, v.lo + (len * (i + 1)) / m)) return i;
        }
        revert("honest challenger found no disagreement");
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    function _charge(uint256 execGas, bytes memory data) internal returns (uint256 total) {
        uint256 cd = 0;
        for (uint256 i = 0; i < data.length; ++i) {
            cd += data[i] == 0 ? 4 : 16;
        }
        total = execGas + 21000 + cd;
        txCount += 1;
        txGasTotal += total;
    }

    struct Ctx {
        DisputeGame game;
        uint256 gameId;
        Party d;
        Party c;
        bytes32[] gd;
        bytes32[] gc;
        ModelCommitment model;
        uint256 steps;
        uint256 n;
    }

    /// @notice Plays a game to the end with both strategies; returns whether the defender won.
    function _play(DisputeGame game, uint256 gameId, Party memory d, Party memory c, uint256 n)
        internal
        returns (bool defenderWon)
    {
        Ctx memory x;
        x.game = game;
        x.gameId = gameId;
        x.d = d;
        x.c = c;
        x.steps = uint256(1) << game.stepDepth();
        x.n = n;
        x.gd = _graph(d, n, x.steps);
        x.gc = _graph(c, n, x.steps);
        x.model = _model(n);
        for (uint256 guard = 0; guard < 300; ++guard) {
            IDisputeGame.GameView memory v = game.getGame(gameId);
            if (v.status != IDisputeGame.Status.InProgress) {
                return v.status == IDisputeGame.Status.DefenderWon;
            }
            vm.warp(block.timestamp + moveDelay);
            if (v.phase == IDisputeGame.Phase.Bisect) _doBisect(x, v);
            else if (v.phase == IDisputeGame.Phase.Choose) _doChoose(x, v);
            else if (v.phase == IDisputeGame.Phase.OpenPhase2) _doOpen(x, v);
            else if (v.phase == IDisputeGame.Phase.Step) _doStep(x, v);
        }
        revert("game did not end");
    }

    function _doBisect(Ctx memory x, IDisputeGame.GameView memory v) internal {
        bytes32[] memory inter = _commitments(x.d, x.gd, v, x.game.k());
        vm.prank(x.d.addr);
        uint256 g0 = gasleft();
        x.game.bisect(x.gameId, inter);
        uint256 charged = _charge(g0 - gasleft(), abi.encodeCall(DisputeGame.bisect, (x.gameId, inter)));
        gasBisect = _max(gasBisect, charged);
        gasBisectSum += charged;
    }

    function _doChoose(Ctx memory x, IDisputeGame.GameView memory v) internal {
        bytes32[] memory inter = _commitments(x.d, x.gd, v, x.game.k());
        uint256 idx = _choice(x.c, x.gc, v, inter);
        vm.prank(x.c.addr);
        uint256 g0 = gasleft();
        x.game.choose(x.gameId, inter, idx);
        gasChoose = _max(gasChoose, _charge(g0 - gasleft(), abi.encodeCall(DisputeGame.choose, (x.gameId, inter, idx))));
    }

    function _doOpen(Ctx memory x, IDisputeGame.GameView memory v) internal {
        (bytes32 fh, bytes memory exitProof) = world.exitProof(x.n, x.steps, x.d.lieNode, x.d.lieStep, v.lo);
        vm.prank(x.d.addr);
        uint256 g0 = gasleft();
        x.game.openPhase2(x.gameId, x.model, fh, "", exitProof);
        gasOpen = _max(
            gasOpen,
            _charge(g0 - gasleft(), abi.encodeCall(DisputeGame.openPhase2, (x.gameId, x.model, fh, "", exitProof)))
        );
    }

    function _doStep(Ctx memory x, IDisputeGame.GameView memory v) internal {
        // The pre-state is agreed: take the witness from whichever party's run has it (a random
        // challenger may have agreed to a liar's state).
        ToyVm.State memory pre = world.stateAt(x.gc[v.node], v.node, v.lo, v.node == x.c.lieNode ? x.c.lieStep : HONEST);
        if (ToyVm.hashOf(pre) != v.startHash) {
            pre = world.stateAt(x.gd[v.node], v.node, v.lo, v.node == x.d.lieNode ? x.d.lieStep : HONEST);
        }
        bytes memory w = ToyVm.encode(pre);
        bytes memory proof = world.proofFor(pre.pc);
        vm.prank(x.c.addr);
        uint256 g0 = gasleft();
        x.game.step(x.gameId, w, proof);
        gasStep = _max(gasStep, _charge(g0 - gasleft(), abi.encodeCall(DisputeGame.step, (x.gameId, w, proof))));
    }
}
