// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GameHarness} from "../game/GameHarness.sol";
import {ToyVm} from "../game/ToyVm.sol";
import {Vm} from "../utils/Vm.sol";
import {RecordingConsumer, GasBurner, GasMeter, ReentrantConsumer, EthRefuser} from "./Consumers.sol";
import {OpmlOracle} from "../../src/oracle/OpmlOracle.sol";
import {IOpmlOracle} from "../../src/interfaces/IOpmlOracle.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {ModelCommitment} from "../../src/interfaces/ModelCommitment.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {ClassifierGate} from "../../src/examples/ClassifierGate.sol";
import {TextCompletion} from "../../src/examples/TextCompletion.sol";
import {OpmlConsumer as OpmlConsumerErrors} from "../../src/examples/OpmlConsumer.sol";

/// @notice Unit and end-to-end tests of OpmlOracle over the real DisputeGame and the toy VM.
contract OpmlOracleTest is GameHarness {
    uint256 internal constant N = 5;
    uint256 internal constant D = 4;
    uint256 internal constant STEPS = 16;
    uint64 internal constant WINDOW = 1 days;
    uint96 internal constant FEE = 0.01 ether;
    uint96 internal constant FEE_PER_GAS = 1 gwei;
    uint96 internal constant SUB_BOND = 1 ether;
    uint96 internal constant CH_BOND = 0.5 ether;
    uint256 internal constant BURN_BPS = 5000;
    uint64 internal constant REQUEST_TIMEOUT = 7 days;

    address internal constant DAPP = address(0xDA77);
    address internal constant CHAL2 = address(0xC4A2);
    address internal constant FINALIZER = address(0xF1);

    DisputeGame internal game;
    OpmlOracle internal oracle;
    uint256 internal modelId;
    bytes internal input;

    function setUp() public {
        vm.warp(1_700_000_000);
        _deployToys();
        game = _newGame(3, D);
        oracle = new OpmlOracle(game, BURN_BPS, REQUEST_TIMEOUT);
        modelId = oracle.registerModel(_config());
        input = world.INPUT();
        vm.deal(DAPP, 100 ether);
        vm.deal(DEF, 100 ether);
        vm.deal(CHAL, 100 ether);
        vm.deal(CHAL2, 100 ether);
    }

    function _config() internal view returns (IOpmlOracle.ModelConfig memory c) {
        ModelCommitment memory m = _model(N);
        c.programRoot = m.programRoot;
        c.graphRoot = m.graphRoot;
        c.weightsRoot = m.weightsRoot;
        c.nodeCount = uint32(N);
        c.inputSlot = 0;
        c.inputLength = 8;
        c.outputSlot = uint32(ToyVm.outputSlot(N - 1));
        c.outputLength = 32;
        c.maxCallbackGas = 500_000;
        c.challengeWindow = WINDOW;
        c.fee = FEE;
        c.feePerCallbackGas = FEE_PER_GAS;
        c.submitterBond = SUB_BOND;
        c.challengerBond = CH_BOND;
    }

    function _request(address callback, uint32 gasLimit) internal returns (uint256 id) {
        uint256 fee = oracle.estimateFee(modelId, gasLimit);
        bytes memory inp = input;
        vm.prank(DAPP);
        id = oracle.requestInference{value: fee}(modelId, inp, callback, gasLimit, "ctx");
    }

    function _claim(uint256 requestId, Party memory p) internal returns (uint256 claimId) {
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, p.lieNode, p.lieStep);
        vm.prank(p.addr);
        claimId = oracle.submitClaim{value: SUB_BOND}(requestId, sN, out, proof);
    }

    function _challenge(uint256 requestId, address who) internal returns (uint256 gameId) {
        vm.prank(who);
        gameId = oracle.challenge{value: CH_BOND}(requestId);
    }

    /// @dev Everything the oracle owes or has burned, for the solvency checks.
    function _assertSolvent(uint256 held) internal view {
        uint256 owed = oracle.payouts(DEF) + oracle.payouts(CHAL) + oracle.payouts(CHAL2) + oracle.payouts(DAPP)
            + oracle.payouts(address(this)) + oracle.payouts(FINALIZER);
        assertEq(address(oracle).balance, owed + oracle.burned() + held, "oracle balance != owed + burned + held");
    }

    /// @dev Each game's share of a rejected submitter bond split among `games` open games.
    function _share(uint256 games) internal pure returns (uint256) {
        return (uint256(SUB_BOND) - (uint256(SUB_BOND) * BURN_BPS) / 10_000) / games;
    }

    // ------------------------------------------------------------------ registry

    function test_registerModel_storesConfigAndEmits() public {
        IOpmlOracle.ModelConfig memory c = _config();
        vm.expectEmit(true, true, false, true);
        emit IOpmlOracle.ModelRegistered(2, address(this), c);
        uint256 id = oracle.registerModel(c);
        assertEq(id, 2);
        IOpmlOracle.ModelConfig memory got = oracle.getModel(id);
        assertEq(got.graphRoot, c.graphRoot);
        assertEq(got.submitterBond, SUB_BOND);
        assertEq(keccak256(abi.encode(oracle.modelCommitment(id))), keccak256(abi.encode(_model(N))));
    }

    function test_registerModel_acceptsTheLastSlotAndTheLargestNodeCount() public {
        IOpmlOracle.ModelConfig memory c = _config();
        c.outputSlot = uint32((1 << 24) - 1);
        c.nodeCount = uint32((1 << 24) - 1);
        uint256 id = oracle.registerModel(c);
        assertEq(oracle.getModel(id).outputSlot, (1 << 24) - 1);
        assertEq(oracle.getModel(id).nodeCount, (1 << 24) - 1);
    }

    function test_registerModel_invalidFields_revert() public {
        IOpmlOracle.ModelConfig memory c = _config();
        c.nodeCount = 0;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "nodeCount", 0));
        oracle.registerModel(c);
        c = _config();
        c.outputSlot = c.inputSlot;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "slot", 0));
        oracle.registerModel(c);
        c = _config();
        c.outputSlot = uint32(1 << 24);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "slot", 1 << 24));
        oracle.registerModel(c);
        c = _config();
        c.nodeCount = uint32(1 << 24);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "nodeCount", 1 << 24));
        oracle.registerModel(c);
        c = _config();
        c.outputLength = 0;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "length", 0));
        oracle.registerModel(c);
        c = _config();
        c.maxCallbackGas = 5_000_001;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "maxCallbackGas", 5_000_001));
        oracle.registerModel(c);
        c = _config();
        c.challengeWindow = 0;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "challengeWindow", 0));
        oracle.registerModel(c);
        c = _config();
        c.challengerBond = 0;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "bond", 0));
        oracle.registerModel(c);
        c = _config();
        c.inputTokenBound = uint32(1 << 31) + 1;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "inputTokenBound", (1 << 31) + 1));
        oracle.registerModel(c);
        c = _config();
        c.inputLength = 6;
        c.inputTokenBound = 64;
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidModel.selector, "inputTokenBound", 64));
        oracle.registerModel(c);
    }

    function test_constructor_burnShareAboveWhole_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InvalidBurnShare.selector, 10_001));
        new OpmlOracle(game, 10_001, REQUEST_TIMEOUT);
    }

    /// @notice A deployment cannot make self-challenge free: some share of a rejected bond burns.
    function test_constructor_burnShareBelowMinimum_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.BurnShareBelowMinimum.selector, 0, 1000));
        new OpmlOracle(game, 0, REQUEST_TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.BurnShareBelowMinimum.selector, 999, 1000));
        new OpmlOracle(game, 999, REQUEST_TIMEOUT);
        assertEq(new OpmlOracle(game, 1000, REQUEST_TIMEOUT).burnBps(), 1000);
    }

    function test_estimateFee_addsCallbackGasAtModelPrice() public view {
        assertEq(oracle.estimateFee(modelId, 0), FEE);
        assertEq(oracle.estimateFee(modelId, 100_000), FEE + 100_000 * uint256(FEE_PER_GAS));
    }

    function test_estimateFee_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.UnknownModel.selector, 9));
        oracle.estimateFee(9, 0);
    }

    // ------------------------------------------------------------------ requests

    function test_requestInference_derivesS0AndEmitsTheInput() public {
        uint256 fee = oracle.estimateFee(modelId, 50_000);
        bytes32 s0 = world.s0();
        assertEq(oracle.inputState(0, input), s0, "S_0 matches the off-chain slot tree");
        vm.expectEmit(true, true, true, true);
        emit IOpmlOracle.InferenceRequested(1, modelId, DAPP, input, s0, address(0xCA11), 50_000, "ctx", fee);
        vm.prank(DAPP);
        uint256 id = oracle.requestInference{value: fee}(modelId, input, address(0xCA11), 50_000, "ctx");
        assertEq(id, 1);
        IOpmlOracle.RequestView memory r = oracle.getRequest(id);
        assertEq(r.requester, DAPP);
        assertEq(r.inputState, s0);
        assertEq(r.fee, fee);
        assertTrue(r.status == IOpmlOracle.RequestStatus.Open);
        assertTrue(r.callbackStatus == IOpmlOracle.CallbackStatus.Pending);
        assertEq(r.callbackData, bytes("ctx"));
        assertEq(_request(address(0), 0), 2, "ids are sequential");
    }

    function test_requestInference_wrongFee_reverts() public {
        uint256 fee = oracle.estimateFee(modelId, 0);
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.FeeMismatch.selector, fee, fee - 1));
        oracle.requestInference{value: fee - 1}(modelId, input, address(0), 0, "");
    }

    function test_requestInference_inputLengthMismatch_reverts() public {
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InputLengthMismatch.selector, 8, 3));
        oracle.requestInference{value: FEE}(modelId, hex"010203", address(0), 0, "");
    }

    /// @dev A model whose 8-byte input is two int32 little-endian token ids below `bound`.
    function _tokenModel(uint32 bound) internal returns (uint256 id) {
        IOpmlOracle.ModelConfig memory c = _config();
        c.inputTokenBound = bound;
        id = oracle.registerModel(c);
    }

    function _le(uint32 a, uint32 b) internal pure returns (bytes memory) {
        return abi.encodePacked(_swap(a), _swap(b));
    }

    function _swap(uint32 w) internal pure returns (bytes4) {
        return bytes4(((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >> 8) & 0xff00) | (w >> 24));
    }

    function test_requestInference_tokensBelowTheBound_accepted() public {
        uint256 id = _tokenModel(64);
        vm.prank(DAPP);
        uint256 r = oracle.requestInference{value: FEE}(id, _le(0, 63), address(0), 0, "");
        assertEq(uint8(oracle.getRequest(r).status), uint8(IOpmlOracle.RequestStatus.Open));
    }

    function test_requestInference_tokenAtTheBound_revertsNamingPositionAndValue() public {
        uint256 id = _tokenModel(64);
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InputTokenOutOfRange.selector, 1, int256(64), 64));
        oracle.requestInference{value: FEE}(id, _le(5, 64), address(0), 0, "");
    }

    function test_requestInference_negativeToken_revertsWithItsSignedValue() public {
        uint256 id = _tokenModel(64);
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.InputTokenOutOfRange.selector, 0, int256(-1), 64));
        oracle.requestInference{value: FEE}(id, _le(type(uint32).max, 3), address(0), 0, "");
    }

    function test_requestInference_noBound_acceptsAnyWords() public {
        vm.prank(DAPP);
        oracle.requestInference{value: FEE}(modelId, _le(type(uint32).max, 1 << 31), address(0), 0, "");
    }

    /// @dev Fuzz: a request is refused exactly when a word is not in [0, bound), naming the first.
    function testFuzz_requestInference_tokenBound(uint32 a, uint32 b, uint32 bound) public {
        bound = uint32(bound % (1 << 31)) + 1;
        uint256 id = _tokenModel(bound);
        vm.prank(DAPP);
        if (a >= bound) {
            vm.expectRevert(
                abi.encodeWithSelector(OpmlOracle.InputTokenOutOfRange.selector, 0, int256(int32(a)), bound)
            );
        } else if (b >= bound) {
            vm.expectRevert(
                abi.encodeWithSelector(OpmlOracle.InputTokenOutOfRange.selector, 1, int256(int32(b)), bound)
            );
        }
        oracle.requestInference{value: FEE}(id, _le(a, b), address(0), 0, "");
    }

    function test_requestInference_callbackGasAboveModelMax_reverts() public {
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.CallbackGasTooHigh.selector, 500_001, 500_000));
        oracle.requestInference{value: FEE}(modelId, input, address(0), 500_001, "");
    }

    function test_requestInference_unknownModel_reverts() public {
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.UnknownModel.selector, 0));
        oracle.requestInference{value: FEE}(0, input, address(0), 0, "");
    }

    // ------------------------------------------------------------------ claims

    function test_submitClaim_acceptsOutputProvedAgainstFinalState() public {
        uint256 id = _request(address(0), 0);
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, HONEST, HONEST);
        vm.expectEmit(true, true, true, true);
        emit IOpmlOracle.ClaimSubmitted(id, 1, DEF, sN, out, block.timestamp + WINDOW);
        vm.prank(DEF);
        uint256 claimId = oracle.submitClaim{value: SUB_BOND}(id, sN, out, proof);
        IOpmlOracle.ClaimView memory c = oracle.getClaim(claimId);
        assertEq(c.finalState, sN);
        assertEq(c.output, out);
        assertEq(c.submitter, DEF);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Claimed);
        assertTrue(!oracle.isFinalized(id));
    }

    function test_submitClaim_outputNotInFinalState_reverts() public {
        uint256 id = _request(address(0), 0);
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, HONEST, HONEST);
        out[0] = bytes1(uint8(out[0]) ^ 1);
        vm.prank(DEF);
        vm.expectPartialRevert(Merkle.RootMismatch.selector);
        oracle.submitClaim{value: SUB_BOND}(id, sN, out, proof);
    }

    function test_submitClaim_wrongBond_reverts() public {
        uint256 id = _request(address(0), 0);
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, HONEST, HONEST);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.BondMismatch.selector, SUB_BOND, 1));
        oracle.submitClaim{value: 1}(id, sN, out, proof);
    }

    function test_submitClaim_wrongOutputLength_reverts() public {
        uint256 id = _request(address(0), 0);
        (bytes32 sN,, bytes32[] memory proof) = world.claim(N, STEPS, HONEST, HONEST);
        vm.prank(DEF);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.OutputLengthMismatch.selector, 32, 2));
        oracle.submitClaim{value: SUB_BOND}(id, sN, hex"0102", proof);
    }

    function test_submitClaim_whileAnotherClaimIsActive_reverts() public {
        uint256 id = _request(address(0), 0);
        _claim(id, honest(DEF));
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, HONEST, HONEST);
        vm.prank(CHAL);
        vm.expectRevert(
            abi.encodeWithSelector(
                OpmlOracle.WrongRequestStatus.selector,
                id,
                IOpmlOracle.RequestStatus.Open,
                IOpmlOracle.RequestStatus.Claimed
            )
        );
        oracle.submitClaim{value: SUB_BOND}(id, sN, out, proof);
    }

    function test_submitClaim_unknownRequest_reverts() public {
        bytes32[] memory proof = new bytes32[](20);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.UnknownRequest.selector, 77));
        oracle.submitClaim{value: SUB_BOND}(77, bytes32(0), "", proof);
    }

    // ------------------------------------------------------------------ challenges

    function test_challenge_opensGameAgainstTheClaim() public {
        uint256 id = _request(address(0), 0);
        uint256 claimId = _claim(id, liar(DEF, 2, 4));
        vm.expectEmit(true, true, true, true);
        emit IOpmlOracle.ClaimChallenged(id, claimId, 1, CHAL);
        uint256 gameId = _challenge(id, CHAL);
        IDisputeGame.GameView memory g = game.getGame(gameId);
        assertEq(g.creator, address(oracle));
        assertEq(g.defender, DEF);
        assertEq(g.challenger, CHAL);
        assertEq(g.startHash, world.s0());
        assertEq(g.endHash, oracle.getClaim(claimId).finalState);
        assertEq(g.modelHash, keccak256(abi.encode(_model(N))));
        assertEq(oracle.getClaim(claimId).openGames, 1);
        (uint256 cid, address ch, uint256 bond, bool settled) = oracle.getGameRecord(gameId);
        assertEq(cid, claimId);
        assertEq(ch, CHAL);
        assertEq(bond, CH_BOND);
        assertTrue(!settled);
    }

    function test_challenge_wrongBond_reverts() public {
        uint256 id = _request(address(0), 0);
        _claim(id, honest(DEF));
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.BondMismatch.selector, CH_BOND, CH_BOND + 1));
        oracle.challenge{value: CH_BOND + 1}(id);
    }

    function test_challenge_afterWindow_reverts() public {
        uint256 id = _request(address(0), 0);
        _claim(id, honest(DEF));
        uint256 deadline = block.timestamp + WINDOW;
        vm.warp(deadline);
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.ChallengeWindowClosed.selector, id, deadline, deadline));
        oracle.challenge{value: CH_BOND}(id);
    }

    function test_challenge_withoutClaim_reverts() public {
        uint256 id = _request(address(0), 0);
        vm.prank(CHAL);
        vm.expectRevert(
            abi.encodeWithSelector(
                OpmlOracle.WrongRequestStatus.selector,
                id,
                IOpmlOracle.RequestStatus.Claimed,
                IOpmlOracle.RequestStatus.Open
            )
        );
        oracle.challenge{value: CH_BOND}(id);
    }

    function test_onGameResolved_notFromGame_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.NotDisputeGame.selector, address(this)));
        oracle.onGameResolved(1, true);
    }

    function test_onGameResolved_unknownGame_reverts() public {
        vm.prank(address(game));
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.UnknownGame.selector, 5));
        oracle.onGameResolved(5, true);
    }

    // ------------------------------------------------------------------ finality

    function test_finalize_paysSubmitterAndFinalizerAndDeliversCallbackOnce() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 id = _request(address(consumer), 300_000);
        uint256 fee = oracle.getRequest(id).fee;
        uint256 claimId = _claim(id, honest(DEF));
        vm.warp(block.timestamp + WINDOW);
        (, bytes memory out,) = world.claim(N, STEPS, HONEST, HONEST);
        vm.expectEmit(true, true, true, true);
        emit IOpmlOracle.RequestFinalized(id, claimId, DEF, oracle.getClaim(claimId).finalState, out);
        vm.prank(FINALIZER); // permissionless
        oracle.finalize(id);
        assertTrue(oracle.isFinalized(id));
        assertEq(oracle.getResult(id), out);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastRequestId(), id);
        assertEq(consumer.lastOutput(), out);
        assertEq(consumer.lastData(), bytes("ctx"));
        assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Delivered);
        uint256 callbackFee = 300_000 * uint256(FEE_PER_GAS);
        assertEq(oracle.payouts(DEF), SUB_BOND + fee - callbackFee, "the submitter: bond and the base fee");
        assertEq(oracle.payouts(FINALIZER), callbackFee, "the finalizer carried the callback's gas");
        _assertSolvent(0);

        vm.expectRevert(
            abi.encodeWithSelector(
                OpmlOracle.WrongRequestStatus.selector,
                id,
                IOpmlOracle.RequestStatus.Claimed,
                IOpmlOracle.RequestStatus.Finalized
            )
        );
        oracle.finalize(id);
        vm.expectRevert(
            abi.encodeWithSelector(OpmlOracle.CallbackNotRetryable.selector, id, IOpmlOracle.CallbackStatus.Delivered)
        );
        oracle.retryCallback(id);
        assertEq(consumer.calls(), 1);
    }

    function test_finalize_duringWindow_reverts() public {
        uint256 id = _request(address(0), 0);
        _claim(id, honest(DEF));
        uint256 deadline = block.timestamp + WINDOW;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.ChallengeWindowOpen.selector, id, deadline, deadline - 1));
        oracle.finalize(id);
    }

    function test_finalize_withOpenGame_reverts() public {
        uint256 id = _request(address(0), 0);
        uint256 claimId = _claim(id, honest(DEF));
        _challenge(id, CHAL);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.GamesStillOpen.selector, id, claimId, 1));
        oracle.finalize(id);
    }

    function test_getResult_beforeFinality_reverts() public {
        uint256 id = _request(address(0), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                OpmlOracle.WrongRequestStatus.selector,
                id,
                IOpmlOracle.RequestStatus.Finalized,
                IOpmlOracle.RequestStatus.Open
            )
        );
        oracle.getResult(id);
    }

    function test_finalize_revertingCallback_isRecordedAndRetryable() public {
        RecordingConsumer consumer = new RecordingConsumer();
        consumer.setRefuse(true);
        uint256 id = _request(address(consumer), 300_000);
        _claim(id, honest(DEF));
        vm.warp(block.timestamp + WINDOW);
        vm.expectEmit(true, false, false, true);
        emit IOpmlOracle.CallbackDelivered(id, false);
        oracle.finalize(id);
        assertTrue(oracle.isFinalized(id), "a reverting consumer does not block finality");
        assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Failed);
        assertEq(consumer.calls(), 0);

        oracle.retryCallback(id); // still refusing: stays Failed
        assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Failed);

        consumer.setRefuse(false);
        oracle.retryCallback(id);
        assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Delivered);
        assertEq(consumer.calls(), 1);
    }

    function test_retryCallback_withoutFailure_reverts() public {
        uint256 id = _request(address(0), 0);
        vm.expectRevert(
            abi.encodeWithSelector(OpmlOracle.CallbackNotRetryable.selector, id, IOpmlOracle.CallbackStatus.None)
        );
        oracle.retryCallback(id);
    }

    function test_finalize_callbackGetsItsFullGasLimit() public {
        GasMeter meter = new GasMeter();
        uint32 limit = 300_000;
        uint256 id = _request(address(meter), limit);
        _claim(id, honest(DEF));
        vm.warp(block.timestamp + WINDOW);
        // Little more than the required minimum: limit·64/63 + overhead + what finalize spends first.
        oracle.finalize{gas: 400_000}(id);
        assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Delivered);
        // The consumer saw its whole limit, less the few opcodes before its first gasleft().
        assertTrue(meter.gasAtEntry() > limit - 1000, "callback got less than its limit");
        assertTrue(meter.gasAtEntry() <= limit);
    }

    /// @notice Whatever gas finalize is sent with, it either reverts untouched or the callback gets
    ///         its whole limit: a finalizer cannot starve the consumer.
    function testFuzz_finalize_eitherRevertsOrCallbackGetsFullLimit(uint256 g) public {
        GasMeter meter = new GasMeter();
        uint32 limit = 300_000;
        uint256 id = _request(address(meter), limit);
        _claim(id, honest(DEF));
        vm.warp(block.timestamp + WINDOW);
        g = bound(g, 100_000, 600_000);
        (bool ok,) = address(oracle).call{gas: g}(abi.encodeCall(OpmlOracle.finalize, (id)));
        if (ok) {
            assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Delivered);
            assertTrue(meter.gasAtEntry() > limit - 1000, "callback got less than its limit");
        } else {
            assertTrue(!oracle.isFinalized(id));
            assertEq(meter.gasAtEntry(), 0);
        }
    }

    function test_finalize_consumerBurningAllGas_doesNotBlockFinality() public {
        GasBurner burner = new GasBurner();
        uint256 id = _request(address(burner), 300_000);
        _claim(id, honest(DEF));
        vm.warp(block.timestamp + WINDOW);
        oracle.finalize{gas: 400_000}(id);
        assertTrue(oracle.isFinalized(id));
        assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Failed);
    }

    function test_finalize_tooLittleGasForTheCallback_reverts() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 id = _request(address(consumer), 300_000);
        _claim(id, honest(DEF));
        vm.warp(block.timestamp + WINDOW);
        vm.expectPartialRevert(OpmlOracle.InsufficientCallbackGas.selector);
        oracle.finalize{gas: 250_000}(id);
        assertTrue(!oracle.isFinalized(id), "nothing happened");
    }

    function test_finalize_reentrantCallback_isRecordedAsFailed() public {
        for (uint8 mode = 0; mode < 3; ++mode) {
            ReentrantConsumer consumer = new ReentrantConsumer(oracle, mode);
            uint256 id = _request(address(consumer), 200_000);
            _claim(id, honest(DEF));
            vm.warp(block.timestamp + WINDOW);
            oracle.finalize(id);
            assertTrue(oracle.isFinalized(id));
            assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Failed);
        }
    }

    // ------------------------------------------------------------------ cancel and withdraw

    function test_cancelRequest_afterTimeoutWithoutClaim_refundsFee() public {
        uint256 id = _request(address(0), 0);
        vm.warp(block.timestamp + REQUEST_TIMEOUT);
        vm.prank(DAPP);
        oracle.cancelRequest(id);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Cancelled);
        assertEq(oracle.payouts(DAPP), FEE);
        uint256 before = DAPP.balance;
        vm.prank(DAPP);
        oracle.withdraw();
        assertEq(DAPP.balance, before + FEE);
        _assertSolvent(0);
    }

    function test_cancelRequest_beforeTimeout_reverts() public {
        uint256 id = _request(address(0), 0);
        uint256 expires = block.timestamp + REQUEST_TIMEOUT;
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.RequestNotExpired.selector, id, expires, block.timestamp));
        oracle.cancelRequest(id);
    }

    function test_cancelRequest_notRequester_reverts() public {
        uint256 id = _request(address(0), 0);
        vm.warp(block.timestamp + REQUEST_TIMEOUT);
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.NotRequester.selector, id, DAPP, CHAL));
        oracle.cancelRequest(id);
    }

    function test_cancelRequest_whileClaimed_reverts() public {
        uint256 id = _request(address(0), 0);
        _claim(id, honest(DEF));
        vm.warp(block.timestamp + REQUEST_TIMEOUT);
        vm.prank(DAPP);
        vm.expectRevert(
            abi.encodeWithSelector(
                OpmlOracle.WrongRequestStatus.selector,
                id,
                IOpmlOracle.RequestStatus.Open,
                IOpmlOracle.RequestStatus.Claimed
            )
        );
        oracle.cancelRequest(id);
    }

    /// @notice A request that was served a lie may be cancelled at once, without the timeout.
    function test_cancelRequest_afterRejection_needsNoTimeout() public {
        uint256 id = _request(address(0), 0);
        _claim(id, liar(DEF, 1, 2));
        uint256 g = _challenge(id, CHAL);
        assertTrue(!_play(game, g, liar(DEF, 1, 2), honest(CHAL), N));
        assertTrue(block.timestamp < oracle.getRequest(id).createdAt + REQUEST_TIMEOUT);
        vm.prank(DAPP);
        oracle.cancelRequest(id);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Cancelled);
        assertEq(oracle.payouts(DAPP), FEE);
        _assertSolvent(0);
    }

    /// @notice A rejection and a new claim never share a transaction: nobody can reopen and re-lock
    ///         a request atomically. (This test function runs as one transaction; the isolated
    ///         end-to-end test claims again in a later one.)
    function test_submitClaim_inTheRejectionsTransaction_reverts() public {
        uint256 id = _request(address(0), 0);
        _claim(id, liar(DEF, 1, 2));
        uint256 g = _challenge(id, CHAL);
        assertTrue(!_play(game, g, liar(DEF, 1, 2), honest(CHAL), N));
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, HONEST, HONEST);
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.ClaimInRejectionTransaction.selector, id));
        oracle.submitClaim{value: SUB_BOND}(id, sN, out, proof);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Open);
    }

    function test_withdraw_nothing_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.NothingToWithdraw.selector, address(this)));
        oracle.withdraw();
    }

    function test_withdraw_refusingReceiver_revertsAndKeepsCredit() public {
        EthRefuser refuser = new EthRefuser();
        vm.deal(address(refuser), 10 ether);
        // The refuser gets a credit through a moot game: the claim is rejected by CHAL's game first.
        uint256 id2 = _request(address(0), 0);
        _claim(id2, liar(DEF, 1, 1));
        uint256 g1 = _challenge(id2, CHAL);
        uint256 g2 = refuser.challenge{value: CH_BOND}(oracle, id2);
        assertTrue(!_play(game, g1, liar(DEF, 1, 1), honest(CHAL), N));
        vm.warp(block.timestamp + 10 days);
        game.timeout(g2);
        uint256 owed = CH_BOND + _share(2);
        assertEq(oracle.payouts(address(refuser)), owed);
        vm.expectRevert(abi.encodeWithSelector(OpmlOracle.WithdrawFailed.selector, address(refuser), owed));
        refuser.withdrawFrom(oracle);
        assertEq(oracle.payouts(address(refuser)), owed);
    }

    // ------------------------------------------------------------------ end to end

    /// forge-config: default.isolate = true
    function test_endToEnd_lyingSubmitterLosesAndHonestClaimFinalizes() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 id = _request(address(consumer), 300_000);
        uint256 fee = oracle.getRequest(id).fee;
        uint256 badClaim = _claim(id, liar(DEF, 2, 4));
        uint256 gameId = _challenge(id, CHAL);
        _assertSolvent(fee + SUB_BOND + CH_BOND);

        assertTrue(!_play(game, gameId, liar(DEF, 2, 4), honest(CHAL), N), "the liar loses");
        assertTrue(oracle.getClaim(badClaim).status == IOpmlOracle.ClaimStatus.Rejected);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Open, "request reopens");
        uint256 burnt = (uint256(SUB_BOND) * BURN_BPS) / 10_000;
        assertEq(oracle.burned(), burnt);
        assertEq(oracle.payouts(CHAL), SUB_BOND - burnt + CH_BOND);
        assertEq(oracle.payouts(DEF), 0);
        _assertSolvent(fee);

        // The challenger now posts the honest claim (from the next block); nobody challenges; it
        // finalizes, the challenger finalizing it itself and so also paid the callback's part.
        vm.roll(block.number + 1);
        _claim(id, honest(CHAL));
        vm.warp(block.timestamp + WINDOW);
        vm.prank(CHAL);
        oracle.finalize(id);
        (, bytes memory honestOut,) = world.claim(N, STEPS, HONEST, HONEST);
        assertEq(oracle.getResult(id), honestOut);
        assertEq(consumer.lastOutput(), honestOut);
        assertEq(oracle.payouts(CHAL), SUB_BOND - burnt + CH_BOND + SUB_BOND + fee);
        _assertSolvent(0);

        uint256 before = CHAL.balance;
        uint256 owed = oracle.payouts(CHAL);
        vm.prank(CHAL);
        oracle.withdraw();
        assertEq(CHAL.balance, before + owed);
        assertEq(address(oracle).balance, oracle.burned(), "only the burned share stays, locked");
    }

    function test_endToEnd_lyingChallengerLosesAndClaimFinalizes() public {
        uint256 id = _request(address(0), 0);
        uint256 fee = oracle.getRequest(id).fee;
        _claim(id, honest(DEF));
        uint256 gameId = _challenge(id, CHAL);
        assertTrue(_play(game, gameId, honest(DEF), liar(CHAL, 3, 2), N), "the honest defender wins");
        uint256 burnt = (uint256(CH_BOND) * BURN_BPS) / 10_000;
        assertEq(oracle.payouts(DEF), 0, "won bonds wait for the claim to finalize");
        assertEq(oracle.claimHeld(1), CH_BOND - burnt);
        assertEq(oracle.burned(), burnt);
        _assertSolvent(fee + SUB_BOND + CH_BOND - burnt);
        vm.warp(block.timestamp + WINDOW);
        oracle.finalize(id);
        assertEq(oracle.payouts(DEF), CH_BOND - burnt + SUB_BOND + fee);
        _assertSolvent(0);
    }

    function test_endToEnd_parallelChallengers_shareTheRejectedBond() public {
        uint256 id = _request(address(0), 0);
        uint256 fee = oracle.getRequest(id).fee;
        uint256 claimId = _claim(id, liar(DEF, 0, 3));
        uint256 g1 = _challenge(id, CHAL);
        uint256 g2 = _challenge(id, CHAL2);
        assertEq(oracle.getClaim(claimId).openGames, 2);
        assertTrue(!_play(game, g1, liar(DEF, 0, 3), honest(CHAL), N));
        assertTrue(oracle.getClaim(claimId).status == IOpmlOracle.ClaimStatus.Rejected);
        // Both games were open at the rejection: each is owed half of the unburned bond.
        assertEq(oracle.payouts(CHAL), _share(2) + CH_BOND);
        _assertSolvent(fee + CH_BOND + _share(2));
        // The second game goes on; its defender gives up; CHAL2 gets its bond and its share.
        vm.warp(block.timestamp + 10 days);
        game.timeout(g2);
        assertEq(oracle.payouts(CHAL2), _share(2) + CH_BOND);
        assertEq(oracle.getClaim(claimId).openGames, 0);
        assertEq(oracle.burned(), (uint256(SUB_BOND) * BURN_BPS) / 10_000);
        _assertSolvent(fee);
    }

    function test_endToEnd_claimFallsIfDefenderLosesAnyOfSeveralGames() public {
        uint256 id = _request(address(0), 0);
        uint256 claimId = _claim(id, liar(DEF, 4, 0));
        uint256 g1 = _challenge(id, CHAL2);
        uint256 g2 = _challenge(id, CHAL);
        // CHAL2 picks sub-segments at random (seed 2 picks an honest one) and loses its game.
        assertTrue(_play(game, g1, liar(DEF, 4, 0), randomChallenger(CHAL2, 2), N), "random challenger loses");
        assertTrue(oracle.getClaim(claimId).status == IOpmlOracle.ClaimStatus.Active, "one win keeps the claim");
        uint256 burntCh = (uint256(CH_BOND) * BURN_BPS) / 10_000;
        assertEq(oracle.payouts(DEF), 0);
        assertEq(oracle.claimHeld(claimId), CH_BOND - burntCh, "held for the submitter until finality");
        assertTrue(!_play(game, g2, liar(DEF, 4, 0), honest(CHAL), N));
        assertTrue(oracle.getClaim(claimId).status == IOpmlOracle.ClaimStatus.Rejected);
        // The liar keeps nothing it won on a claim that fell: the held bond burns too.
        assertEq(oracle.payouts(DEF), 0);
        assertEq(oracle.burned(), CH_BOND + (uint256(SUB_BOND) * BURN_BPS) / 10_000);
        assertEq(oracle.payouts(CHAL), CH_BOND + SUB_BOND - (uint256(SUB_BOND) * BURN_BPS) / 10_000);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                OpmlOracle.WrongRequestStatus.selector,
                id,
                IOpmlOracle.RequestStatus.Claimed,
                IOpmlOracle.RequestStatus.Open
            )
        );
        oracle.finalize(id);
    }

    function test_example_classifierGateLabelsAnItem() public {
        ClassifierGate gate = new ClassifierGate(oracle, modelId, 3);
        uint256 fee = gate.fee();
        bytes memory inp = input;
        vm.prank(DAPP);
        uint256 id = gate.submit{value: fee}(inp);
        _claim(id, honest(DEF));
        vm.warp(block.timestamp + WINDOW);
        oracle.finalize(id);
        assertTrue(oracle.getRequest(id).callbackStatus == IOpmlOracle.CallbackStatus.Delivered);
        (, bytes memory out,) = world.claim(N, STEPS, HONEST, HONEST);
        uint8 best = 0;
        int8 bestLogit = type(int8).min;
        for (uint256 i = 0; i < out.length; ++i) {
            if (int8(uint8(out[i])) > bestLogit) {
                bestLogit = int8(uint8(out[i]));
                best = uint8(i);
            }
        }
        (address submitter, bool labelled, uint8 label) = gate.items(id);
        assertEq(submitter, DAPP);
        assertTrue(labelled);
        assertEq(label, best);
        assertEq(gate.isAccepted(id), best == 3);
    }

    /// @dev A generation model's config: context 12, so requests and outputs are 4·(8 + 12) bytes.
    function _textCompletion() internal returns (TextCompletion tc) {
        IOpmlOracle.ModelConfig memory c = _config();
        c.inputLength = 80;
        c.outputLength = 80;
        tc = new TextCompletion(oracle, oracle.registerModel(c));
    }

    /// @dev A generation state of context 12: header words then tokens, little-endian.
    function _state(uint32[8] memory header, uint32[] memory tokens) internal pure returns (bytes memory s) {
        s = new bytes(80);
        for (uint256 i = 0; i < 20; ++i) {
            uint32 v = i < 8 ? header[i] : (i - 8 < tokens.length ? tokens[i - 8] : 0);
            for (uint256 b = 0; b < 4; ++b) {
                s[4 * i + b] = bytes1(uint8(v >> (8 * b)));
            }
        }
    }

    /// @notice The example completion dapp refuses a model whose input is not a generation state.
    function test_example_textCompletion_notAGenerationModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(TextCompletion.NotAGenerationModel.selector, 8));
        new TextCompletion(oracle, modelId);
    }

    /// @notice `complete` sends the generation request of protocol §4.4: the prompt bytes as tokens.
    function test_example_textCompletion_requestsTheGenerationState() public {
        TextCompletion tc = _textCompletion();
        assertEq(tc.context(), 12);
        uint256 fee = tc.fee();
        vm.recordLogs();
        vm.prank(DAPP);
        uint256 id = tc.complete{value: fee}("Hi!", 5, 7, 40_000, 3);
        uint32[] memory toks = new uint32[](3);
        (toks[0], toks[1], toks[2]) = (72, 105, 33);
        bytes memory expected = _state([uint32(3), 5, 7, 40_000, 3, 0, 0, 0], toks);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool seen;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] != IOpmlOracle.InferenceRequested.selector) continue;
            (bytes memory sent,,,,,) = abi.decode(logs[i].data, (bytes, bytes32, address, uint32, bytes, uint256));
            assertEq(sent, expected);
            assertEq(uint256(logs[i].topics[1]), id);
            seen = true;
        }
        assertTrue(seen);
        vm.expectRevert(abi.encodeWithSelector(TextCompletion.PromptTooLong.selector, 13, 12));
        tc.complete{value: fee}("Hello", 8, 0, 0, 1);
        vm.expectRevert(TextCompletion.EmptyPrompt.selector);
        tc.complete{value: fee}("", 1, 0, 0, 1);
    }

    /// @notice The callback stores the new tokens as text; an invalid request stores none.
    function test_example_textCompletion_callbackStoresTheNewTokens() public {
        TextCompletion tc = _textCompletion();
        uint256 fee = tc.fee();
        vm.prank(DAPP);
        uint256 id = tc.complete{value: fee}("Hi", 3, 0, 0, 1);
        uint32[] memory toks = new uint32[](5);
        (toks[0], toks[1], toks[2], toks[3], toks[4]) = (72, 105, 32, 121, 111);
        vm.prank(address(oracle));
        tc.onOpmlResult(id, _state([uint32(2), 3, 0, 0, 1, 3, 2, 0], toks), "");
        (, bool done, uint32 stop,) = tc.completions(id);
        assertTrue(done);
        assertEq(stop, tc.STOP_LENGTH());
        assertEq(tc.textOf(id), bytes(" yo"));

        vm.prank(DAPP);
        uint256 bad = tc.complete{value: fee}("Hi", 3, 0, 0, 1);
        vm.prank(address(oracle));
        tc.onOpmlResult(bad, _state([uint32(2), 3, 0, 0, 1, 0, 3, 0], new uint32[](0)), "");
        assertEq(tc.textOf(bad).length, 0);
        vm.prank(address(oracle));
        vm.expectRevert(abi.encodeWithSelector(TextCompletion.MalformedState.selector, 4));
        tc.onOpmlResult(id, hex"00000000", "");
    }

    /// @notice Labels are uint8: a model with more than 256 classes is refused at construction.
    function test_example_classifierGate_modelWithOver256Classes_reverts() public {
        IOpmlOracle.ModelConfig memory c = _config();
        c.outputLength = 257;
        uint256 wide = oracle.registerModel(c);
        vm.expectRevert(abi.encodeWithSelector(ClassifierGate.TooManyClasses.selector, 257, 256));
        new ClassifierGate(oracle, wide, 3);
        c.outputLength = 256;
        new ClassifierGate(oracle, oracle.registerModel(c), 3);
    }

    /// @notice An unserved item's fee goes back to whoever paid it: cancel, then withdraw.
    function test_example_classifierGate_cancelRefundsThePayer() public {
        ClassifierGate gate = new ClassifierGate(oracle, modelId, 3);
        uint256 fee = gate.fee();
        bytes memory inp = input;
        vm.prank(DAPP);
        uint256 id = gate.submit{value: fee}(inp);
        assertEq(gate.payerOf(id), DAPP);
        vm.warp(block.timestamp + REQUEST_TIMEOUT);
        vm.prank(CHAL);
        vm.expectRevert(abi.encodeWithSelector(OpmlConsumerErrors.NotPayerOrOwner.selector, id, DAPP, CHAL));
        gate.cancelRequest(id);
        vm.prank(DAPP);
        gate.cancelRequest(id);
        assertTrue(oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Cancelled);
        assertEq(gate.refunds(DAPP), fee);
        assertEq(address(gate).balance, fee, "pulled from the oracle");
        (address submitter,,) = gate.items(id);
        assertEq(submitter, address(0), "the item is forgotten");
        uint256 before = DAPP.balance;
        vm.prank(DAPP);
        gate.withdraw();
        assertEq(DAPP.balance, before + fee);
        vm.prank(DAPP);
        vm.expectRevert(abi.encodeWithSelector(OpmlConsumerErrors.NothingToWithdraw.selector, DAPP));
        gate.withdraw();
    }

    /// @notice The owner may cancel for a payer, after a rejection without waiting; only the
    ///         oracle may send the consumer ETH.
    function test_example_classifierGate_ownerCancelsAfterRejection() public {
        ClassifierGate gate = new ClassifierGate(oracle, modelId, 3);
        uint256 fee = gate.fee();
        bytes memory inp = input;
        vm.prank(DAPP);
        uint256 id = gate.submit{value: fee}(inp);
        _claim(id, liar(DEF, 1, 2));
        uint256 g = _challenge(id, CHAL);
        assertTrue(!_play(game, g, liar(DEF, 1, 2), honest(CHAL), N));
        gate.cancelRequest(id); // this test contract deployed the gate: its owner
        assertEq(gate.refunds(DAPP), fee, "credited to the payer, not the owner");
        vm.deal(CHAL, 1 ether);
        vm.prank(CHAL);
        (bool ok,) = address(gate).call{value: 1}("");
        assertTrue(!ok, "only the oracle sends ETH");
    }

    function test_example_onlyOracleMayCallBack() public {
        ClassifierGate gate = new ClassifierGate(oracle, modelId, 3);
        vm.expectRevert(abi.encodeWithSelector(bytes4(keccak256("OnlyOracle(address)")), address(this)));
        gate.onOpmlResult(1, "", "");
    }
}
