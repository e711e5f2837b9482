// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOpmlConsumer
/// @notice Implemented by a dapp that wants its result pushed at finalization.
interface IOpmlConsumer {
    /// @notice Called once by the oracle when request `requestId` is final (again only through
    ///         `retryCallback` if this call reverted or ran out of gas).
    /// @param requestId The request.
    /// @param output The final output bytes.
    /// @param callbackData The bytes the requester attached to the request.
    function onOpmlResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) external;
}

/// @title IOpmlOracle
/// @notice The opML oracle as dapps, submitters and watchtowers see it (protocol.md §8).
interface IOpmlOracle {
    /// @notice A registered model. Immutable once registered.
    struct ModelConfig {
        bytes32 programRoot;
        bytes32 graphRoot;
        bytes32 weightsRoot;
        uint32 nodeCount;
        uint32 inputSlot;
        uint32 inputLength;
        // 0: any input of inputLength bytes; else the input is int32 little-endian token ids, each
        // in [0, inputTokenBound) (≤ 2^31), checked at request time (protocol.md §8.2)
        uint32 inputTokenBound;
        uint32 outputSlot;
        uint32 outputLength;
        uint32 maxCallbackGas;
        uint64 challengeWindow;
        uint96 fee; // base fee per request, to the submitter of the final claim
        uint96 feePerCallbackGas; // wei per unit of callback gas, paid to the finalizer who carries it
        uint96 submitterBond;
        uint96 challengerBond;
    }

    enum RequestStatus {
        None,
        Open, // waiting for a claim (again, from the transaction after a claim was rejected)
        Claimed, // an active claim is in its window or in games
        Finalized,
        Cancelled // no claim came in time; the fee went back to the requester
    }

    enum ClaimStatus {
        None,
        Active,
        Rejected,
        Finalized
    }

    enum CallbackStatus {
        None, // no callback requested
        Pending, // not yet final
        Delivered,
        Failed // reverted or ran out of gas; retryable
    }

    struct RequestView {
        address requester;
        uint256 modelId;
        RequestStatus status;
        CallbackStatus callbackStatus;
        address callback;
        uint32 callbackGasLimit;
        uint64 createdAt;
        uint256 fee;
        bytes32 inputState; // S_0
        uint256 activeClaimId; // the active or finalized claim, 0 if none
        bytes callbackData;
    }

    struct ClaimView {
        uint256 requestId;
        address submitter;
        ClaimStatus status;
        uint64 submittedAt;
        uint32 openGames;
        uint256 bond;
        bytes32 finalState; // S_N
        bytes output;
    }

    event ModelRegistered(uint256 indexed modelId, address indexed registrar, ModelConfig config);
    event InferenceRequested(
        uint256 indexed requestId,
        uint256 indexed modelId,
        address indexed requester,
        bytes input,
        bytes32 inputState,
        address callback,
        uint32 callbackGasLimit,
        bytes callbackData,
        uint256 fee
    );
    event ClaimSubmitted(
        uint256 indexed requestId,
        uint256 indexed claimId,
        address indexed submitter,
        bytes32 finalState,
        bytes output,
        uint256 challengeDeadline
    );
    event ClaimChallenged(
        uint256 indexed requestId, uint256 indexed claimId, uint256 indexed gameId, address challenger
    );
    event GameSettled(
        uint256 indexed requestId, uint256 indexed claimId, uint256 indexed gameId, bool defenderWon, uint256 burned
    );
    event ClaimRejected(uint256 indexed requestId, uint256 indexed claimId, uint256 indexed gameId);
    event RequestFinalized(
        uint256 indexed requestId, uint256 indexed claimId, address indexed submitter, bytes32 finalState, bytes output
    );
    event CallbackDelivered(uint256 indexed requestId, bool success);
    event RequestCancelled(uint256 indexed requestId);
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Registers a model; anyone may, the configuration is immutable afterwards.
    /// @param config The model's commitments, slots, fees, bonds, window and callback gas cap.
    /// @return modelId Sequential from 1.
    function registerModel(ModelConfig calldata config) external returns (uint256 modelId);

    /// @notice The exact fee `requestInference` expects.
    /// @param modelId The model.
    /// @param callbackGasLimit The gas the callback will get.
    /// @return fee `config.fee + callbackGasLimit * config.feePerCallbackGas`.
    function estimateFee(uint256 modelId, uint32 callbackGasLimit) external view returns (uint256 fee);

    /// @notice Asks for `model(input)`; pays exactly `estimateFee`.
    /// @param modelId The model.
    /// @param input The input tensor's bytes (exactly the model's inputLength; with an
    ///        inputTokenBound, int32 little-endian token ids each below it).
    /// @param callback The consumer to call at finalization, or address(0) for none.
    /// @param callbackGasLimit Gas guaranteed to the callback (<= the model's maxCallbackGas).
    /// @param callbackData Opaque bytes passed back to the callback.
    /// @return requestId Sequential from 1.
    function requestInference(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData
    ) external payable returns (uint256 requestId);

    /// @notice Posts the output of an open request with the model's submitter bond. The output is
    ///         checked against the output slot of `finalState` (S_N).
    /// @param requestId The request.
    /// @param finalState S_N.
    /// @param output The output bytes (exactly the model's outputLength).
    /// @param outputSlotProof The `SLOT_DEPTH` (24) siblings of the output slot under S_N.
    /// @return claimId Sequential from 1.
    function submitClaim(
        uint256 requestId,
        bytes32 finalState,
        bytes calldata output,
        bytes32[] calldata outputSlotProof
    ) external payable returns (uint256 claimId);

    /// @notice Opens a dispute game against the request's active claim, with the challenger bond.
    /// @param requestId The request.
    /// @return gameId The game in the dispute game contract.
    function challenge(uint256 requestId) external payable returns (uint256 gameId);

    /// @notice Permissionless: finalizes a request whose active claim's window has passed with no
    ///         open game, pays the submitter and delivers the callback once. The fee's callback
    ///         part (`callbackGasLimit * feePerCallbackGas`) goes to the caller, who carries the
    ///         callback's gas; the rest of the fee, the bond and the challenger bonds the claim
    ///         won (less the burn) go to the submitter.
    /// @param requestId The request.
    function finalize(uint256 requestId) external;

    /// @notice Permissionless: retries a callback that failed at finalization.
    /// @param requestId The request.
    function retryCallback(uint256 requestId) external;

    /// @notice Requester only: takes the fee back from an open request (no active claim) that got
    ///         no claim in time or had a claim rejected.
    /// @param requestId The request.
    function cancelRequest(uint256 requestId) external;

    /// @notice Withdraws the caller's credited payouts (fees, returned and won bonds).
    function withdraw() external;

    /// @notice Wei credited to `account`, withdrawable.
    /// @param account The account.
    /// @return The credited amount.
    function payouts(address account) external view returns (uint256);

    /// @notice A registered model's configuration.
    /// @param modelId The model.
    /// @return The configuration.
    function getModel(uint256 modelId) external view returns (ModelConfig memory);

    /// @notice The request's public state.
    /// @param requestId The request.
    /// @return The request.
    function getRequest(uint256 requestId) external view returns (RequestView memory);

    /// @notice The final output of a request; reverts if it is not final.
    /// @param requestId The request.
    /// @return The output bytes.
    function getResult(uint256 requestId) external view returns (bytes memory);

    /// @notice Whether a request is final.
    /// @param requestId The request.
    /// @return True once finalized.
    function isFinalized(uint256 requestId) external view returns (bool);
}
