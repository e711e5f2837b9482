// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GameHarness} from "../game/GameHarness.sol";
import {ToyVm} from "../game/ToyVm.sol";
import {OpmlOracle} from "../../src/oracle/OpmlOracle.sol";
import {IOpmlOracle} from "../../src/interfaces/IOpmlOracle.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";
import {ModelCommitment} from "../../src/interfaces/ModelCommitment.sol";

/// @notice The self-challenge attack: a liar submits a false claim, challenges it from a second
///         address, lets its own defender side time out in that game while an honest watchtower's
///         game still runs, and in the same transaction submits a fresh claim so that the request
///         is never open between transactions.
contract SelfChallengeAttacker {
    OpmlOracle internal immutable oracle;
    DisputeGame internal immutable game;

    constructor(OpmlOracle oracle_, DisputeGame game_) {
        oracle = oracle_;
        game = game_;
    }

    receive() external payable {}

    /// @notice Submits a claim as this contract (the liar's submitter address).
    function submit(uint256 requestId, bytes32 sN, bytes calldata out, bytes32[] calldata proof)
        external
        payable
        returns (uint256)
    {
        return oracle.submitClaim{value: msg.value}(requestId, sN, out, proof);
    }

    /// @notice Ends the liar's own game (its defender side timed out: the claim is rejected) and
    ///         resubmits at once, in one transaction.
    function timeoutAndResubmit(
        uint256 gameId,
        uint256 requestId,
        bytes32 sN,
        bytes calldata out,
        bytes32[] calldata proof
    ) external payable {
        game.timeout(gameId);
        oracle.submitClaim{value: msg.value}(requestId, sN, out, proof);
    }

    function withdraw() external {
        oracle.withdraw();
    }
}

/// @notice Regression tests of the self-challenge attack and the `econ.self_challenge_profit_wei`
///         metric: the attacker's profit over a grid of burn shares, bonds and sock counts.
contract SelfChallengeTest is GameHarness {
    uint256 internal constant N = 5;
    uint64 internal constant WINDOW = 1 days;
    uint96 internal constant FEE = 0.01 ether;
    uint96 internal constant SUB_BOND = 1 ether;
    uint96 internal constant CH_BOND = 0.5 ether;
    uint256 internal constant STEPS = 16;

    address internal constant DAPP = address(0xDA77);
    address internal constant SOCK = address(0x50C0); // the liar's second address

    DisputeGame internal game;
    OpmlOracle internal oracle;
    SelfChallengeAttacker internal attacker;
    uint256 internal modelId;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.roll(100);
        _deployToys();
        game = _newGame(3, 4);
        vm.deal(DAPP, 1_000 ether);
        vm.deal(CHAL, 1_000 ether);
        (oracle, modelId, attacker) = _deploy(5000, SUB_BOND, CH_BOND);
    }

    function _deploy(uint256 burnBps, uint96 subBond, uint96 chBond)
        internal
        returns (OpmlOracle o, uint256 id, SelfChallengeAttacker a)
    {
        o = new OpmlOracle(game, burnBps, 7 days);
        ModelCommitment memory m = _model(N);
        IOpmlOracle.ModelConfig memory c;
        c.programRoot = m.programRoot;
        c.graphRoot = m.graphRoot;
        c.weightsRoot = m.weightsRoot;
        c.nodeCount = uint32(N);
        c.inputLength = 8;
        c.outputSlot = uint32(ToyVm.outputSlot(N - 1));
        c.outputLength = 32;
        c.challengeWindow = WINDOW;
        c.fee = FEE;
        c.submitterBond = subBond;
        c.challengerBond = chBond;
        id = o.registerModel(c);
        a = new SelfChallengeAttacker(o, game);
    }

    function _request(OpmlOracle o, uint256 mId) internal returns (uint256 id) {
        bytes memory inp = world.INPUT();
        vm.prank(DAPP);
        id = o.requestInference{value: FEE}(mId, inp, address(0), 0, "");
    }

    function _lie() internal view returns (bytes32 sN, bytes memory out, bytes32[] memory proof) {
        return world.claim(N, STEPS, 1, 2);
    }

    function _challenge(OpmlOracle o, uint256 id, address who) internal returns (uint256 gameId) {
        uint256 bond = o.getModel(o.getRequest(id).modelId).challengerBond;
        vm.deal(who, who.balance + bond);
        vm.prank(who);
        gameId = o.challenge{value: bond}(id);
    }

    /// @dev The attack up to the point where the liar's own game can be timed out: the lie, the
    ///      sock's challenge at once, the honest watchtower's an hour later.
    function _setUpAttack() internal returns (uint256 id, uint256 sockGame, uint256 honestGame) {
        id = _request(oracle, modelId);
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = _lie();
        attacker.submit{value: SUB_BOND}(id, sN, out, proof);
        sockGame = _challenge(oracle, id, SOCK);
        vm.warp(block.timestamp + 1 hours);
        honestGame = _challenge(oracle, id, CHAL);
        vm.warp(block.timestamp + CLOCK); // the liar's defender clock in the sock's game has run out
        vm.roll(block.number + 1);
    }

    /// @notice The atomic half of the attack is gone: the timeout and the resubmission cannot
    ///         share a transaction, so the request cannot be kept locked.
    function test_selfChallenge_timeoutAndResubmitInOneTx_reverts() public {
        (uint256 id, uint256 sockGame,) = _setUpAttack();
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = _lie();
        vm.deal(address(this), 10 ether);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.ClaimInRejectionTransaction.selector, id));
        attacker.timeoutAndResubmit{value: SUB_BOND}(sockGame, id, sN, out, proof);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Claimed, "nothing happened");
    }

    /// @notice The non-atomic attack: the liar ends its own game first. The honest watchtower's
    ///         game was open at the rejection, so it is paid its bond and half the forfeited bond
    ///         when it ends; the liar and its sock together lose money; the requester may cancel.
    function test_settle_selfChallenge_liarLosesBond() public {
        (uint256 id, uint256 sockGame, uint256 honestGame) = _setUpAttack();
        game.timeout(sockGame);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Open, "the claim fell");
        uint256 share = (SUB_BOND - (uint256(SUB_BOND) * 5000) / 10_000) / 2;
        assertEq(oracle.payouts(SOCK), CH_BOND + share, "the sock's share only");

        // The honest game goes on; the liar cannot win it, so its clock runs out too.
        vm.warp(block.timestamp + 1 hours);
        game.timeout(honestGame);
        assertEq(oracle.payouts(CHAL), CH_BOND + share, "the honest challenger is paid, not just refunded");
        assertGt(oracle.payouts(CHAL), CH_BOND);

        int256 liarNet =
            int256(oracle.payouts(SOCK) + oracle.payouts(address(attacker))) - int256(uint256(SUB_BOND) + CH_BOND);
        assertEq(liarNet, -int256(uint256(SUB_BOND) - share), "the liar loses all but the sock's share");
        assertLt(uint256(-liarNet), SUB_BOND + 1);

        // The requester, served a lie, may take its fee back at once.
        vm.prank(DAPP);
        oracle.cancelRequest(id);
        assertEq(oracle.payouts(DAPP), FEE);
        assertEq(address(oracle).balance, oracle.payouts(SOCK) + oracle.payouts(CHAL) + FEE + oracle.burned());
    }

    /// @notice What is left of the lock (protocol.md §8.4): a liar that orders transactions (a
    ///         bundle, a first-come sequencer) re-claims in the transaction right after the
    ///         rejection, in the same block, so the requester never sees the request open. Each
    ///         cycle costs it at least `burnBps` of its bond and pays the honest watchtower more
    ///         than its bond.
    /// forge-config: default.isolate = true
    function test_selfChallenge_reclaimInTheNextTransaction_relocksButEachCycleCostsTheLiar() public {
        uint256 id = _request(oracle, modelId);
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = _lie();
        vm.deal(address(this), 100 ether);
        attacker.submit{value: SUB_BOND}(id, sN, out, proof);
        uint256 share = (SUB_BOND - (uint256(SUB_BOND) * 5000) / 10_000) / 2;
        for (uint256 cycle = 1; cycle <= 3; ++cycle) {
            uint256 sockGame = _challenge(oracle, id, SOCK);
            uint256 honestGame = _challenge(oracle, id, CHAL);
            vm.warp(block.timestamp + CLOCK + 1); // the liar's defender clocks have run out
            vm.roll(block.number + 1);
            game.timeout(sockGame); // the rejection ...
            attacker.submit{value: SUB_BOND}(id, sN, out, proof); // ... and the re-claim, same block
            assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Claimed, "re-locked");
            vm.prank(DAPP);
            (bool cancelled,) = address(oracle).call(abi.encodeCall(OpmlOracle.cancelRequest, (id)));
            assertFalse(cancelled, "the requester never sees the request open");
            game.timeout(honestGame);
            assertEq(oracle.payouts(CHAL), cycle * (CH_BOND + share), "the watchtower is paid every cycle");
            // the liar's loss on the claims rejected so far (the newest one is still at stake)
            uint256 loss = cycle * (uint256(SUB_BOND) + CH_BOND) - oracle.payouts(SOCK);
            assertGe(loss, cycle * ((uint256(SUB_BOND) * 5000) / 10_000), "a cycle cost less than the burn");
        }
    }

    /// @notice Sybil socks only dilute the honest challenger's reward; the liar still loses and the
    ///         honest challenger still gets more than its bond.
    function test_settle_selfChallengeWithManySocks_liarStillLoses() public {
        int256 profit = _attack(oracle, modelId, attacker, 7, true);
        assertTrue(profit < 0, "the liar profits");
    }

    /// @notice econ.self_challenge_profit_wei: the attacker's profit (wei credited to the liar and
    ///         its socks, less what they deposited) over burn shares, bond sizes and sock counts,
    ///         with and without an honest watchtower in the game; never positive.
    function test_econ_selfChallengeProfit_neverPositive() public {
        uint256[4] memory burns = [uint256(1000), 2500, 5000, 10_000];
        uint96[3] memory subBonds = [uint96(1 ether), 0.1 ether, 10 ether];
        uint96[3] memory chBonds = [uint96(0.5 ether), 1 ether, 0.01 ether];
        uint256[3] memory socks = [uint256(1), 3, 8];
        int256 maxProfit = type(int256).min;
        for (uint256 b = 0; b < burns.length; ++b) {
            for (uint256 j = 0; j < subBonds.length; ++j) {
                (OpmlOracle o, uint256 mId, SelfChallengeAttacker a) = _deploy(burns[b], subBonds[j], chBonds[j]);
                for (uint256 s = 0; s < socks.length; ++s) {
                    for (uint256 h = 0; h < 2; ++h) {
                        int256 p = _attack(o, mId, a, socks[s], h == 1);
                        assertTrue(p <= 0, "self-challenge paid");
                        if (p > maxProfit) maxProfit = p;
                    }
                }
            }
        }
        emit log_named_string("econ.self_challenge_profit_wei", vm.toString(maxProfit));
        emit log_named_uint("econ.self_challenge_cases", burns.length * subBonds.length * socks.length * 2);
    }

    /// @dev Runs one attack on `o` with `socks` self-challenges (and an honest game if `withHonest`),
    ///      every game ending with the liar's defender side timed out; returns the liar's profit and
    ///      checks the honest challenger is paid at least its bond, more unless all of it burns.
    function _attack(OpmlOracle o, uint256 mId, SelfChallengeAttacker a, uint256 socks, bool withHonest)
        internal
        returns (int256 profit)
    {
        IOpmlOracle.ModelConfig memory c = o.getModel(mId);
        uint256 id = _request(o, mId);
        _submitLie(a, id, c.submitterBond);
        uint256 before = _liarCredit(o, a, socks);
        uint256 honestBefore = o.payouts(CHAL);
        uint256[] memory games = new uint256[](socks + (withHonest ? 1 : 0));
        for (uint256 i = 0; i < socks; ++i) {
            games[i] = _challenge(o, id, address(uint160(0x50C0 + i)));
        }
        if (withHonest) games[socks] = _challenge(o, id, CHAL);
        vm.warp(block.timestamp + CLOCK + 1);
        vm.roll(block.number + 1);
        for (uint256 i = 0; i < games.length; ++i) {
            game.timeout(games[i]);
        }
        uint256 deposited = uint256(c.submitterBond) + socks * c.challengerBond;
        profit = int256(_liarCredit(o, a, socks) - before) - int256(deposited);
        if (withHonest) {
            uint256 paid = o.payouts(CHAL) - honestBefore;
            assertGe(paid, c.challengerBond, "honest challenger paid less than its bond");
            if (o.burnBps() < 10_000) assertGt(paid, c.challengerBond, "honest challenger not rewarded");
        }
        vm.roll(block.number + 1);
    }

    function _submitLie(SelfChallengeAttacker a, uint256 id, uint256 bond) internal {
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = _lie();
        vm.deal(address(this), address(this).balance + bond);
        a.submit{value: bond}(id, sN, out, proof);
    }

    function _liarCredit(OpmlOracle o, SelfChallengeAttacker a, uint256 socks) internal view returns (uint256 sum) {
        sum = o.payouts(address(a));
        for (uint256 i = 0; i < socks; ++i) {
            sum += o.payouts(address(uint160(0x50C0 + i)));
        }
    }
}
