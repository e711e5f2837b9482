// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GameHarness} from "./GameHarness.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";

/// @notice Gas and rounds of a full worst-case dispute over 1,254 nodes and 2^32 steps per node at
///         k in {2, 4, 8, 16, 32} (issue 5 §7). The liar's only wrong state is the very last one
///         (node N-1's final VM state), so the honest challenger always takes the last, longest
///         sub-segment: the maximum number of rounds. Per transaction: execution gas measured
///         around the call + 21,000 + calldata (4/16 per zero/non-zero byte). The one-step move uses
///         the toy verifier; the real verifier's step gas is added separately (bench `gas.step.*`).
///         The defender sends every bisect and openPhase2 (DisputeGame checks the mover); `step` is
///         permissionless and the honest defender's daemon sends it as soon as it is due, so the
///         defender's worst case pays it too (bench `gas.dispute.defender_full_game`).
///         Run with -vv to see the figures.
contract DisputeGameGasTest is GameHarness {
    uint256 internal constant N = 1254;
    uint256 internal constant D = 32;

    function setUp() public {
        vm.warp(1_700_000_000);
        _deployToys();
        moveDelay = 10 minutes;
    }

    function _fullDispute(uint256 k) internal returns (uint256 total, uint256 txs) {
        DisputeGame game = _newGame(k, D);
        Party memory d = liar(DEF, N - 1, uint256(1) << D);
        bytes32[] memory gs = _graph(d, N, uint256(1) << D);
        txCount = 0;
        txGasTotal = 0;
        gasBisect = 0;
        gasBisectSum = 0;
        gasChoose = 0;
        gasOpen = 0;
        gasStep = 0;
        vm.prank(address(0xC0FFEE)); // a creator without code: no resolution callback
        uint256 g0 = gasleft();
        uint256 id = game.createGame(DEF, CHAL, _model(N), S0, gs[N]);
        uint256 createGas =
            _charge(g0 - gasleft(), abi.encodeCall(DisputeGame.createGame, (DEF, CHAL, _model(N), S0, gs[N])));
        assertTrue(!_play(game, id, d, honest(CHAL), N), "the liar loses");
        total = txGasTotal;
        txs = txCount;
        uint256 rounds = (txs - 3) / 2; // create, openPhase2 and step besides the bisect/choose pairs
        assertEq(rounds, game.maxRounds(N), "worst case reaches the formula's round count");
        emit log_named_uint("k", k);
        emit log_named_uint("  rounds (bisect+choose pairs)", rounds);
        emit log_named_uint("  transactions", txs);
        emit log_named_uint("  gas createGame", createGas);
        emit log_named_uint("  gas bisect (max)", gasBisect);
        emit log_named_uint("  gas bisect (sum, defender)", gasBisectSum);
        emit log_named_uint("  gas choose (max)", gasChoose);
        emit log_named_uint("  gas openPhase2 (toy boundary)", gasOpen);
        emit log_named_uint("  gas step (toy verifier)", gasStep);
        emit log_named_uint("  gas total", total);
    }

    function test_gas_fullDispute_k2() public {
        (uint256 total,) = _fullDispute(2);
        assertTrue(total < 10_000_000);
    }

    function test_gas_fullDispute_k4() public {
        (uint256 total,) = _fullDispute(4);
        assertTrue(total < 5_000_000, "k=4 full dispute within 5M gas");
    }

    function test_gas_fullDispute_k8() public {
        (uint256 total,) = _fullDispute(8);
        assertTrue(total < 5_000_000, "k=8 full dispute within 5M gas");
    }

    function test_gas_fullDispute_k16() public {
        (uint256 total,) = _fullDispute(16);
        assertTrue(total < 5_000_000, "k=16 full dispute within 5M gas");
    }

    function test_gas_fullDispute_k32() public {
        (uint256 total,) = _fullDispute(32);
        assertTrue(total < 5_000_000, "k=32 full dispute within 5M gas");
    }
}
