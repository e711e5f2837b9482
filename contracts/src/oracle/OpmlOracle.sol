// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOpmlOracle, IOpmlConsumer} from "../interfaces/IOpmlOracle.sol";
import {IDisputeGame, IGameResolver} from "../interfaces/IDisputeGame.sol";
import {ModelCommitment} from "../interfaces/ModelCommitment.sol";
import {Merkle} from "../commitment/Merkle.sol";
import {TensorRoot} from "../commitment/TensorRoot.sol";

/// @title OpmlOracle
/// @notice The opML oracle (protocol.md §8): a model registry, inference requests paid in ETH,
///         bonded claims whose output is bound to the claimed final graph state S_N, challenges
///         that open games in {IDisputeGame}, permissionless finalization with a gas-guaranteed,
///         retryable callback.
///
///         Value: this contract holds every fee and bond. Payouts are credited to `payouts` and
///         pulled with `withdraw`. The burned share of a loser's bond stays locked here forever
///         (`burned`); no function can move it.
///
///         Settlement (protocol.md §8.4) is built so that challenging one's own false claim never
///         pays: a rejected claim's bond, less the burned share, is split equally among every game
///         that was open against it when it was rejected, so an honest challenger still in its
///         game is paid whoever ended first; a submitter is paid the bonds of the challengers it
///         beat only if its claim finalizes; and a rejected request takes no new claim in the
///         transaction of the rejection, while its requester may cancel it at once.
contract OpmlOracle is IOpmlOracle, IGameResolver {
    // ------------------------------------------------------------------ errors

    error InvalidBurnShare(uint256 burnBps);
    error BurnShareBelowMinimum(uint256 burnBps, uint256 minimum);
    error ClaimInRejectionTransaction(uint256 requestId);
    error InvalidModel(string field, uint256 value);
    error UnknownModel(uint256 modelId);
    error UnknownRequest(uint256 requestId);
    error InputLengthMismatch(uint256 expected, uint256 actual);
    error InputTokenOutOfRange(uint256 position, int256 value, uint256 bound);
    error OutputLengthMismatch(uint256 expected, uint256 actual);
    error CallbackGasTooHigh(uint256 requested, uint256 max);
    error FeeMismatch(uint256 expected, uint256 paid);
    error BondMismatch(uint256 expected, uint256 paid);
    error WrongRequestStatus(uint256 requestId, RequestStatus expected, RequestStatus actual);
    error ChallengeWindowClosed(uint256 requestId, uint256 deadline, uint256 nowTs);
    error ChallengeWindowOpen(uint256 requestId, uint256 deadline, uint256 nowTs);
    error GamesStillOpen(uint256 requestId, uint256 claimId, uint256 openGames);
    error NotDisputeGame(address caller);
    error UnknownGame(uint256 gameId);
    error GameAlreadySettled(uint256 gameId);
    error InsufficientCallbackGas(uint256 required, uint256 available);
    error CallbackNotRetryable(uint256 requestId, CallbackStatus status);
    error NotRequester(uint256 requestId, address requester, address caller);
    error RequestNotExpired(uint256 requestId, uint256 expiresAt, uint256 nowTs);
    error NothingToWithdraw(address account);
    error WithdrawFailed(address account, uint256 amount);
    error Reentrancy();

    // ------------------------------------------------------------------ parameters

    /// @notice Gas kept back besides the callback's own limit: the call itself (cold account,
    ///         memory) and the bookkeeping after it (status write, event).
    uint256 public constant CALLBACK_OVERHEAD = 30_000;
    /// @notice Upper bound on any model's maxCallbackGas.
    uint256 public constant MAX_CALLBACK_GAS = 5_000_000;
    /// @notice The least `burnBps` a deployment may choose: with no honest challenger around, a
    ///         submitter that rejects its own claim through a second address still loses this
    ///         share of its bond per rejection.
    uint256 public constant MIN_BURN_BPS = 1000;
    /// @notice The greatest `inputTokenBound` a model may register: every token id fits an int32.
    uint256 public constant MAX_INPUT_TOKEN_BOUND = 1 << 31;
    /// @notice Basis points of a loser's bond that are burned (locked here forever).
    uint256 public immutable burnBps;
    /// @notice Seconds after which a request without an active claim may be cancelled.
    uint64 public immutable requestTimeout;
    /// @notice The dispute game contract challenges open games in.
    IDisputeGame public immutable disputeGame;

    // ------------------------------------------------------------------ state

    struct Request {
        address requester;
        uint64 createdAt;
        RequestStatus status;
        CallbackStatus callbackStatus;
        address callback;
        uint32 callbackGasLimit;
        uint64 modelId;
        uint64 rejectedInBlock; // block of the last rejection of a claim on it, 0 if none
        uint256 fee;
        bytes32 inputState;
        uint256 activeClaimId;
        bytes callbackData;
    }

    struct Claim {
        uint256 requestId;
        address submitter;
        uint64 submittedAt;
        ClaimStatus status;
        uint24 openGames;
        uint96 bond;
        // Active: the won challenger bonds (less the burn), paid with the bond at finalization.
        // Rejected: each game open at the rejection is owed this share of the forfeited bond.
        uint128 held;
        bytes32 finalState;
        bytes output;
    }

    struct GameRecord {
        uint256 claimId;
        address challenger;
        uint96 bond;
        bool settled;
    }

    /// @notice Number of registered models (ids 1..modelCount).
    uint256 public modelCount;
    /// @notice Number of requests (ids 1..requestCount).
    uint256 public requestCount;
    /// @notice Number of claims (ids 1..claimCount).
    uint256 public claimCount;
    /// @notice Wei burned: locked in this contract forever.
    uint256 public burned;
    /// @notice Credited payouts, pulled with `withdraw`.
    mapping(address => uint256) public payouts;

    mapping(uint256 => ModelConfig) internal _models;
    mapping(uint256 => Request) internal _requests;
    mapping(uint256 => Claim) internal _claims;
    mapping(uint256 => GameRecord) internal _games;
    bool private transient _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param disputeGame_ The dispute game contract.
    /// @param burnBps_ Share of a loser's bond burned, in basis points (MIN_BURN_BPS..10000).
    /// @param requestTimeout_ Seconds before an unclaimed request may be cancelled.
    constructor(IDisputeGame disputeGame_, uint256 burnBps_, uint64 requestTimeout_) {
        if (burnBps_ > 10_000) revert InvalidBurnShare(burnBps_);
        if (burnBps_ < MIN_BURN_BPS) revert BurnShareBelowMinimum(burnBps_, MIN_BURN_BPS);
        disputeGame = disputeGame_;
        burnBps = burnBps_;
        requestTimeout = requestTimeout_;
    }

    // ------------------------------------------------------------------ registry

    /// @inheritdoc IOpmlOracle
    function registerModel(ModelConfig calldata c) external returns (uint256 modelId) {
        uint256 slots = uint256(1) << TensorRoot.SLOT_DEPTH;
        // Node i is leaf i of graphRoot and writes slot i + 1: N nodes need N < 2^SLOT_DEPTH.
        if (c.nodeCount == 0 || c.nodeCount >= slots) revert InvalidModel("nodeCount", c.nodeCount);
        if (c.inputSlot >= slots || c.outputSlot >= slots || c.inputSlot == c.outputSlot) {
            revert InvalidModel(
                "slot", c.inputSlot == c.outputSlot ? c.outputSlot : (c.inputSlot >= slots ? c.inputSlot : c.outputSlot)
            );
        }
        if (c.inputLength == 0 || c.outputLength == 0) revert InvalidModel("length", 0);
        if (c.inputTokenBound > MAX_INPUT_TOKEN_BOUND || (c.inputTokenBound != 0 && c.inputLength % 4 != 0)) {
            revert InvalidModel("inputTokenBound", c.inputTokenBound);
        }
        if (c.maxCallbackGas > MAX_CALLBACK_GAS) revert InvalidModel("maxCallbackGas", c.maxCallbackGas);
        if (c.challengeWindow == 0) revert InvalidModel("challengeWindow", 0);
        if (c.submitterBond == 0 || c.challengerBond == 0) revert InvalidModel("bond", 0);
        modelId = ++modelCount;
        _models[modelId] = c;
        emit ModelRegistered(modelId, msg.sender, c);
    }

    /// @inheritdoc IOpmlOracle
    function getModel(uint256 modelId) external view returns (ModelConfig memory) {
        return _model(modelId);
    }

    /// @notice The commitment the dispute game plays against for `modelId`.
    /// @param modelId The model.
    /// @return The model commitment.
    function modelCommitment(uint256 modelId) public view returns (ModelCommitment memory) {
        ModelConfig storage c = _model(modelId);
        return ModelCommitment(c.programRoot, c.graphRoot, c.weightsRoot, c.nodeCount);
    }

    /// @inheritdoc IOpmlOracle
    function estimateFee(uint256 modelId, uint32 callbackGasLimit) public view returns (uint256) {
        ModelConfig storage c = _model(modelId);
        return uint256(c.fee) + uint256(callbackGasLimit) * c.feePerCallbackGas;
    }

    // ------------------------------------------------------------------ requests

    /// @inheritdoc IOpmlOracle
    function requestInference(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData
    ) external payable returns (uint256 requestId) {
        ModelConfig storage c = _model(modelId);
        if (input.length != c.inputLength) revert InputLengthMismatch(c.inputLength, input.length);
        if (c.inputTokenBound != 0) _checkTokens(input, c.inputTokenBound);
        if (callbackGasLimit > c.maxCallbackGas) revert CallbackGasTooHigh(callbackGasLimit, c.maxCallbackGas);
        uint256 fee = estimateFee(modelId, callbackGasLimit);
        if (msg.value != fee) revert FeeMismatch(fee, msg.value);
        bytes32 s0 = inputState(c.inputSlot, input);

        requestId = ++requestCount;
        Request storage r = _requests[requestId];
        r.requester = msg.sender;
        r.createdAt = uint64(block.timestamp);
        r.status = RequestStatus.Open;
        r.callbackStatus = callback == address(0) ? CallbackStatus.None : CallbackStatus.Pending;
        r.callback = callback;
        r.callbackGasLimit = callbackGasLimit;
        r.modelId = uint64(modelId);
        r.fee = fee;
        r.inputState = s0;
        if (callbackData.length != 0) r.callbackData = callbackData;
        emit InferenceRequested(
            requestId, modelId, msg.sender, input, s0, callback, callbackGasLimit, callbackData, fee
        );
    }

    /// @notice S_0 of an input: the depth-`SLOT_DEPTH` slot tree with only `inputSlot` filled, by
    ///         slotLeaf(tensorRoot(input), len(input)) (protocol.md §4.2).
    /// @param inputSlot The model's input slot.
    /// @param input The input bytes.
    /// @return The graph state S_0.
    function inputState(uint256 inputSlot, bytes calldata input) public pure returns (bytes32) {
        Merkle.Subtree[] memory one = new Merkle.Subtree[](1);
        one[0] = Merkle.Subtree(inputSlot, 0, TensorRoot.tensorSlotLeaf(input));
        return Merkle.composeRoot(TensorRoot.SLOT_DEPTH, one);
    }

    /// @dev Reverts with InputTokenOutOfRange at the first int32 little-endian word of `input` not
    ///      in [0, bound): an input the model's embedding cannot look up, which no run completes
    ///      (protocol.md §8.2). `bound` ≤ 2^31, so a negative word, read unsigned, is out of range.
    function _checkTokens(bytes calldata input, uint256 bound) private pure {
        uint256 n = input.length / 4;
        for (uint256 i; i < n;) {
            uint256 w;
            assembly ("memory-safe") {
                w := shr(224, calldataload(add(input.offset, shl(2, i))))
                // a big-endian read of a little-endian word: swap its four bytes
                w := or(or(shl(24, and(w, 0xff)), shl(8, and(w, 0xff00))), or(and(shr(8, w), 0xff00), shr(24, w)))
            }
            if (w >= bound) revert InputTokenOutOfRange(i, int256(int32(uint32(w))), bound);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IOpmlOracle
    function cancelRequest(uint256 requestId) external nonReentrant {
        Request storage r = _request(requestId);
        if (r.status != RequestStatus.Open) revert WrongRequestStatus(requestId, RequestStatus.Open, r.status);
        if (msg.sender != r.requester) revert NotRequester(requestId, r.requester, msg.sender);
        uint256 expiresAt = uint256(r.createdAt) + requestTimeout;
        // After a rejection the requester need not wait: the request was served a lie once.
        if (r.rejectedInBlock == 0 && block.timestamp < expiresAt) {
            revert RequestNotExpired(requestId, expiresAt, block.timestamp);
        }
        r.status = RequestStatus.Cancelled;
        if (r.callbackStatus == CallbackStatus.Pending) r.callbackStatus = CallbackStatus.None;
        payouts[r.requester] += r.fee;
        emit RequestCancelled(requestId);
    }

    // ------------------------------------------------------------------ claims and challenges

    /// @inheritdoc IOpmlOracle
    function submitClaim(
        uint256 requestId,
        bytes32 finalState,
        bytes calldata output,
        bytes32[] calldata outputSlotProof
    ) external payable returns (uint256 claimId) {
        Request storage r = _request(requestId);
        if (r.status != RequestStatus.Open) revert WrongRequestStatus(requestId, RequestStatus.Open, r.status);
        // A rejection and a new claim never share a transaction: the request is open between
        // transactions, so the requester (cancel) and honest submitters get a chance at it.
        if (_rejectedInThisTransaction(requestId)) revert ClaimInRejectionTransaction(requestId);
        ModelConfig storage c = _models[r.modelId];
        if (msg.value != c.submitterBond) revert BondMismatch(c.submitterBond, msg.value);
        if (output.length != c.outputLength) revert OutputLengthMismatch(c.outputLength, output.length);
        TensorRoot.verifySlot(finalState, c.outputSlot, TensorRoot.tensorSlotLeaf(output), outputSlotProof);

        claimId = ++claimCount;
        Claim storage cl = _claims[claimId];
        cl.requestId = requestId;
        cl.submitter = msg.sender;
        cl.submittedAt = uint64(block.timestamp);
        cl.status = ClaimStatus.Active;
        cl.bond = uint96(msg.value);
        cl.finalState = finalState;
        cl.output = output;
        r.status = RequestStatus.Claimed;
        r.activeClaimId = claimId;
        emit ClaimSubmitted(requestId, claimId, msg.sender, finalState, output, block.timestamp + c.challengeWindow);
    }

    /// @inheritdoc IOpmlOracle
    function challenge(uint256 requestId) external payable nonReentrant returns (uint256 gameId) {
        Request storage r = _request(requestId);
        if (r.status != RequestStatus.Claimed) revert WrongRequestStatus(requestId, RequestStatus.Claimed, r.status);
        ModelConfig storage c = _models[r.modelId];
        uint256 claimId = r.activeClaimId;
        Claim storage cl = _claims[claimId];
        uint256 deadline = uint256(cl.submittedAt) + c.challengeWindow;
        if (block.timestamp >= deadline) revert ChallengeWindowClosed(requestId, deadline, block.timestamp);
        if (msg.value != c.challengerBond) revert BondMismatch(c.challengerBond, msg.value);

        cl.openGames += 1;
        gameId =
            disputeGame.createGame(cl.submitter, msg.sender, modelCommitment(r.modelId), r.inputState, cl.finalState);
        _games[gameId] = GameRecord({claimId: claimId, challenger: msg.sender, bond: uint96(msg.value), settled: false});
        emit ClaimChallenged(requestId, claimId, gameId, msg.sender);
    }

    /// @notice Called by the dispute game when a game this oracle opened ends. Settles the bonds
    ///         (protocol.md §8.4), `burnBps` of every forfeited bond burned:
    ///         - claim active, defender won: the challenger's bond, less the burn, is held for the
    ///           submitter and paid with its own bond when the claim finalizes;
    ///         - claim active, challenger won: the claim is rejected and the request reopens; the
    ///           submitter's bond less the burn is split equally among the n games open against
    ///           the claim (this one included), what the submitter had won from other games is
    ///           burned, and this challenger is credited its share and its own bond;
    ///         - claim already rejected, challenger won: its share and its own bond;
    ///         - claim already rejected, defender won: the bond and the share are burned (the
    ///           submitter lied, so nobody is owed them).
    /// @param gameId The game.
    /// @param defenderWon Whether the claim's submitter won.
    function onGameResolved(uint256 gameId, bool defenderWon) external nonReentrant {
        if (msg.sender != address(disputeGame)) revert NotDisputeGame(msg.sender);
        GameRecord storage g = _games[gameId];
        if (g.claimId == 0) revert UnknownGame(gameId);
        if (g.settled) revert GameAlreadySettled(gameId);
        g.settled = true;
        Claim storage cl = _claims[g.claimId];
        cl.openGames -= 1;
        uint256 requestId = cl.requestId;
        uint256 burnedNow;
        if (cl.status == ClaimStatus.Active) {
            if (defenderWon) {
                burnedNow = (uint256(g.bond) * burnBps) / 10_000;
                cl.held += uint128(g.bond - burnedNow);
            } else {
                burnedNow = _reject(requestId, g.claimId, gameId, cl);
                payouts[g.challenger] += uint256(cl.held) + g.bond;
            }
        } else if (defenderWon) {
            burnedNow = uint256(cl.held) + g.bond;
        } else {
            payouts[g.challenger] += uint256(cl.held) + g.bond;
        }
        burned += burnedNow;
        emit GameSettled(requestId, g.claimId, gameId, defenderWon, burnedNow);
    }

    /// @dev Rejects an active claim whose game `gameId` the challenger won; sets the per-game share
    ///      and returns what is burned: the burn of the submitter's bond, the rounding remainder of
    ///      the split, and everything the submitter had won from other games on this claim.
    function _reject(uint256 requestId, uint256 claimId, uint256 gameId, Claim storage cl)
        private
        returns (uint256 burnedNow)
    {
        cl.status = ClaimStatus.Rejected;
        Request storage r = _requests[requestId];
        r.status = RequestStatus.Open;
        r.activeClaimId = 0;
        r.rejectedInBlock = uint64(block.number);
        bytes32 key = _rejectionKey(requestId);
        assembly ("memory-safe") {
            tstore(key, 1)
        }
        uint256 games = uint256(cl.openGames) + 1; // every game open right now, this one included
        uint256 pool = uint256(cl.bond) - (uint256(cl.bond) * burnBps) / 10_000;
        uint256 share = pool / games;
        burnedNow = uint256(cl.bond) - share * games + cl.held;
        cl.held = uint128(share);
        emit ClaimRejected(requestId, claimId, gameId);
    }

    // ------------------------------------------------------------------ finality

    /// @inheritdoc IOpmlOracle
    function finalize(uint256 requestId) external nonReentrant {
        Request storage r = _request(requestId);
        if (r.status != RequestStatus.Claimed) revert WrongRequestStatus(requestId, RequestStatus.Claimed, r.status);
        uint256 claimId = r.activeClaimId;
        Claim storage cl = _claims[claimId];
        uint256 deadline = uint256(cl.submittedAt) + _models[r.modelId].challengeWindow;
        if (block.timestamp < deadline) revert ChallengeWindowOpen(requestId, deadline, block.timestamp);
        if (cl.openGames != 0) revert GamesStillOpen(requestId, claimId, cl.openGames);

        r.status = RequestStatus.Finalized;
        cl.status = ClaimStatus.Finalized;
        // The callback's gas is paid for by whoever carries it: the finalizer gets that part of the fee.
        uint256 callbackFee;
        if (r.callbackStatus == CallbackStatus.Pending) {
            callbackFee = uint256(r.callbackGasLimit) * _models[r.modelId].feePerCallbackGas;
            payouts[msg.sender] += callbackFee;
        }
        payouts[cl.submitter] += uint256(cl.bond) + cl.held + r.fee - callbackFee;
        cl.held = 0;
        emit RequestFinalized(requestId, claimId, cl.submitter, cl.finalState, cl.output);
        if (r.callbackStatus == CallbackStatus.Pending) _deliver(requestId, r, cl.output);
    }

    /// @inheritdoc IOpmlOracle
    function retryCallback(uint256 requestId) external nonReentrant {
        Request storage r = _request(requestId);
        if (r.callbackStatus != CallbackStatus.Failed) {
            revert CallbackNotRetryable(requestId, r.callbackStatus);
        }
        _deliver(requestId, r, _claims[r.activeClaimId].output);
    }

    /// @dev Calls the consumer with exactly `callbackGasLimit` gas, copying no return data; the
    ///      status is written Delivered before the call and Failed after a failed one.
    function _deliver(uint256 requestId, Request storage r, bytes memory output) private {
        bytes memory data = abi.encodeCall(IOpmlConsumer.onOpmlResult, (requestId, output, r.callbackData));
        address target = r.callback;
        uint256 limit = r.callbackGasLimit;
        r.callbackStatus = CallbackStatus.Delivered;
        // EIP-150 forwards at most 63/64 of what is left: demand enough that the callee gets `limit`.
        uint256 required = (limit * 64) / 63 + CALLBACK_OVERHEAD;
        if (gasleft() < required) revert InsufficientCallbackGas(required, gasleft());
        bool ok;
        assembly ("memory-safe") {
            ok := call(limit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) r.callbackStatus = CallbackStatus.Failed;
        emit CallbackDelivered(requestId, ok);
    }

    /// @inheritdoc IOpmlOracle
    function withdraw() external nonReentrant {
        uint256 amount = payouts[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        payouts[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert WithdrawFailed(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IOpmlOracle
    function getRequest(uint256 requestId) external view returns (RequestView memory v) {
        Request storage r = _request(requestId);
        v = RequestView({
            requester: r.requester,
            modelId: r.modelId,
            status: r.status,
            callbackStatus: r.callbackStatus,
            callback: r.callback,
            callbackGasLimit: r.callbackGasLimit,
            createdAt: r.createdAt,
            fee: r.fee,
            inputState: r.inputState,
            activeClaimId: r.activeClaimId,
            callbackData: r.callbackData
        });
    }

    /// @notice A claim's public state.
    /// @param claimId The claim.
    /// @return v The claim.
    function getClaim(uint256 claimId) external view returns (ClaimView memory v) {
        Claim storage cl = _claims[claimId];
        v = ClaimView({
            requestId: cl.requestId,
            submitter: cl.submitter,
            status: cl.status,
            submittedAt: cl.submittedAt,
            openGames: cl.openGames,
            bond: cl.bond,
            finalState: cl.finalState,
            output: cl.output
        });
    }

    /// @notice What a claim holds besides its bond: while active, the challenger bonds it won
    ///         (less the burn), paid to its submitter at finalization; once rejected, the share of
    ///         its forfeited bond each game open at the rejection is owed if its challenger wins.
    /// @param claimId The claim.
    /// @return The held amount in wei.
    function claimHeld(uint256 claimId) external view returns (uint256) {
        return _claims[claimId].held;
    }

    /// @notice The oracle's record of a game it opened.
    /// @param gameId The game.
    /// @return claimId The challenged claim.
    /// @return challenger The challenger.
    /// @return bond The challenger's bond.
    /// @return settled Whether its bonds were settled.
    function getGameRecord(uint256 gameId)
        external
        view
        returns (uint256 claimId, address challenger, uint256 bond, bool settled)
    {
        GameRecord storage g = _games[gameId];
        return (g.claimId, g.challenger, g.bond, g.settled);
    }

    /// @inheritdoc IOpmlOracle
    function getResult(uint256 requestId) external view returns (bytes memory) {
        Request storage r = _request(requestId);
        if (r.status != RequestStatus.Finalized) {
            revert WrongRequestStatus(requestId, RequestStatus.Finalized, r.status);
        }
        return _claims[r.activeClaimId].output;
    }

    /// @inheritdoc IOpmlOracle
    function isFinalized(uint256 requestId) external view returns (bool) {
        return _requests[requestId].status == RequestStatus.Finalized;
    }

    // ------------------------------------------------------------------ internals

    function _model(uint256 modelId) private view returns (ModelConfig storage c) {
        if (modelId == 0 || modelId > modelCount) revert UnknownModel(modelId);
        c = _models[modelId];
    }

    /// @dev Transient slot marking "a claim on `requestId` was rejected in this transaction".
    function _rejectionKey(uint256 requestId) private pure returns (bytes32) {
        return keccak256(abi.encode("opml.oracle.rejectedInTx", requestId));
    }

    function _rejectedInThisTransaction(uint256 requestId) private view returns (bool rejected) {
        bytes32 key = _rejectionKey(requestId);
        assembly ("memory-safe") {
            rejected := tload(key)
        }
    }

    function _request(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status == RequestStatus.None) revert UnknownRequest(requestId);
    }
}
