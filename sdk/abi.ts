/**
 * The OpmlOracle ABI as dapps, submitters and watchtowers use it (contracts/src/oracle/OpmlOracle.sol,
 * interfaces/IOpmlOracle.sol), in viem's human-readable form so that every call, event and revert
 * is typed. Kept in step with the contract by sdk/test/abi.test.ts (compared with the forge artifact).
 */
import { parseAbi } from "viem";

export const opmlOracleAbi = parseAbi([
  "struct ModelConfig { bytes32 programRoot; bytes32 graphRoot; bytes32 weightsRoot; uint32 nodeCount; uint32 inputSlot; uint32 inputLength; uint32 inputTokenBound; uint32 outputSlot; uint32 outputLength; uint32 maxCallbackGas; uint64 challengeWindow; uint96 fee; uint96 feePerCallbackGas; uint96 submitterBond; uint96 challengerBond; }",
  "struct RequestView { address requester; uint256 modelId; uint8 status; uint8 callbackStatus; address callback; uint32 callbackGasLimit; uint64 createdAt; uint256 fee; bytes32 inputState; uint256 activeClaimId; bytes callbackData; }",
  "struct ClaimView { uint256 requestId; address submitter; uint8 status; uint64 submittedAt; uint32 openGames; uint256 bond; bytes32 finalState; bytes output; }",
  "struct ModelCommitment { bytes32 programRoot; bytes32 graphRoot; bytes32 weightsRoot; uint32 nodeCount; }",
  "function registerModel(ModelConfig config) returns (uint256 modelId)",
  "function getModel(uint256 modelId) view returns (ModelConfig)",
  "function modelCommitment(uint256 modelId) view returns (ModelCommitment)",
  "function modelCount() view returns (uint256)",
  "function requestCount() view returns (uint256)",
  "function claimCount() view returns (uint256)",
  "function estimateFee(uint256 modelId, uint32 callbackGasLimit) view returns (uint256 fee)",
  "function requestInference(uint256 modelId, bytes input, address callback, uint32 callbackGasLimit, bytes callbackData) payable returns (uint256 requestId)",
  "function inputState(uint256 inputSlot, bytes input) pure returns (bytes32)",
  "function submitClaim(uint256 requestId, bytes32 finalState, bytes output, bytes32[] outputSlotProof) payable returns (uint256 claimId)",
  "function challenge(uint256 requestId) payable returns (uint256 gameId)",
  "function finalize(uint256 requestId)",
  "function retryCallback(uint256 requestId)",
  "function cancelRequest(uint256 requestId)",
  "function withdraw()",
  "function payouts(address account) view returns (uint256)",
  "function getRequest(uint256 requestId) view returns (RequestView)",
  "function getClaim(uint256 claimId) view returns (ClaimView)",
  "function claimHeld(uint256 claimId) view returns (uint256)",
  "function getResult(uint256 requestId) view returns (bytes)",
  "function isFinalized(uint256 requestId) view returns (bool)",
  "function disputeGame() view returns (address)",
  "function requestTimeout() view returns (uint64)",
  "function burnBps() view returns (uint256)",
  "event ModelRegistered(uint256 indexed modelId, address indexed registrar, ModelConfig config)",
  "event InferenceRequested(uint256 indexed requestId, uint256 indexed modelId, address indexed requester, bytes input, bytes32 inputState, address callback, uint32 callbackGasLimit, bytes callbackData, uint256 fee)",
  "event ClaimSubmitted(uint256 indexed requestId, uint256 indexed claimId, address indexed submitter, bytes32 finalState, bytes output, uint256 challengeDeadline)",
  "event ClaimChallenged(uint256 indexed requestId, uint256 indexed claimId, uint256 indexed gameId, address challenger)",
  "event GameSettled(uint256 indexed requestId, uint256 indexed claimId, uint256 indexed gameId, bool defenderWon, uint256 burned)",
  "event ClaimRejected(uint256 indexed requestId, uint256 indexed claimId, uint256 indexed gameId)",
  "event RequestFinalized(uint256 indexed requestId, uint256 indexed claimId, address indexed submitter, bytes32 finalState, bytes output)",
  "event CallbackDelivered(uint256 indexed requestId, bool success)",
  "event RequestCancelled(uint256 indexed requestId)",
  "event Withdrawn(address indexed account, uint256 amount)",
  "error InvalidBurnShare(uint256 burnBps)",
  "error BurnShareBelowMinimum(uint256 burnBps, uint256 minimum)",
  "error ClaimInRejectionTransaction(uint256 requestId)",
  "error InvalidModel(string field, uint256 value)",
  "error UnknownModel(uint256 modelId)",
  "error UnknownRequest(uint256 requestId)",
  "error InputLengthMismatch(uint256 expected, uint256 actual)",
  "error InputTokenOutOfRange(uint256 position, int256 value, uint256 bound)",
  "error OutputLengthMismatch(uint256 expected, uint256 actual)",
  "error CallbackGasTooHigh(uint256 requested, uint256 max)",
  "error FeeMismatch(uint256 expected, uint256 paid)",
  "error BondMismatch(uint256 expected, uint256 paid)",
  "error WrongRequestStatus(uint256 requestId, uint8 expected, uint8 actual)",
  "error ChallengeWindowClosed(uint256 requestId, uint256 deadline, uint256 nowTs)",
  "error ChallengeWindowOpen(uint256 requestId, uint256 deadline, uint256 nowTs)",
  "error GamesStillOpen(uint256 requestId, uint256 claimId, uint256 openGames)",
  "error NotDisputeGame(address caller)",
  "error UnknownGame(uint256 gameId)",
  "error GameAlreadySettled(uint256 gameId)",
  "error InsufficientCallbackGas(uint256 required, uint256 available)",
  "error CallbackNotRetryable(uint256 requestId, uint8 status)",
  "error NotRequester(uint256 requestId, address requester, address caller)",
  "error RequestNotExpired(uint256 requestId, uint256 expiresAt, uint256 nowTs)",
  "error NothingToWithdraw(address account)",
  "error WithdrawFailed(address account, uint256 amount)",
  "error Reentrancy()",
  // from the Merkle / TensorRoot libraries the oracle links in (a bad output slot proof)
  "error DepthTooLarge(uint256 depth, uint256 max)",
  "error HeightOutOfRange(uint256 height, uint256 depth)",
  "error IndexOutOfRange(uint256 index, uint256 depth)",
  "error ProofLengthMismatch(uint256 expected, uint256 actual)",
  "error RootMismatch(bytes32 expected, bytes32 computed)",
  "error SubtreesNotSorted(uint256 position, uint256 previousStart, uint256 start)",
  "error SubtreesOverlap(uint256 position, uint256 previousEnd, uint256 start)",
]);

/** RequestStatus in the contract. */
export const REQUEST_STATUS = ["none", "open", "claimed", "finalized", "cancelled"] as const;
export type RequestStatusName = (typeof REQUEST_STATUS)[number];
/** ClaimStatus in the contract. */
export const CLAIM_STATUS = ["none", "active", "rejected", "finalized"] as const;
export type ClaimStatusName = (typeof CLAIM_STATUS)[number];
/** CallbackStatus in the contract. */
export const CALLBACK_STATUS = ["none", "pending", "delivered", "failed"] as const;
export type CallbackStatusName = (typeof CALLBACK_STATUS)[number];
