// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOpmlOracle, IOpmlConsumer} from "../interfaces/IOpmlOracle.sol";

/// @title OpmlConsumer
/// @notice Base contract for dapps that use the opML oracle: requests an inference paying the exact
///         fee, and receives the final output through `_onOpmlResult`, called only by the oracle.
///         The consumer is the oracle's requester, so it also carries the way back for a fee: the
///         account that paid for a request (or the consumer's owner) may cancel it when the oracle
///         allows (§8.2: timed out, or a claim was rejected); the refund is credited to the payer
///         and pulled with `withdraw`.
abstract contract OpmlConsumer is IOpmlConsumer {
    error OnlyOracle(address caller);
    error InsufficientFunds(uint256 fee, uint256 balance);
    error NotPayerOrOwner(uint256 requestId, address payer, address caller);
    error NothingToWithdraw(address account);
    error WithdrawFailed(address account, uint256 amount);

    /// @notice A request was cancelled at the oracle and its fee credited to `payer`.
    event RequestRefunded(uint256 indexed requestId, address indexed payer, uint256 refund);
    /// @notice `account` pulled `amount` of its credited refunds.
    event RefundWithdrawn(address indexed account, uint256 amount);

    /// @notice The oracle this consumer trusts.
    IOpmlOracle public immutable oracle;
    /// @notice The deployer: may cancel any request (e.g. one whose payer went away).
    address public immutable owner;
    /// @notice The account that paid for each request (the caller of the function that made it).
    mapping(uint256 => address) public payerOf;
    /// @notice Refunds credited to each account, pulled with `withdraw`.
    mapping(address => uint256) public refunds;

    /// @param oracle_ The oracle.
    constructor(IOpmlOracle oracle_) {
        oracle = oracle_;
        owner = msg.sender;
    }

    /// @notice Only the oracle sends ETH here (refunded fees, through its `withdraw`).
    receive() external payable {
        if (msg.sender != address(oracle)) revert OnlyOracle(msg.sender);
    }

    /// @inheritdoc IOpmlConsumer
    function onOpmlResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) external {
        if (msg.sender != address(oracle)) revert OnlyOracle(msg.sender);
        _onOpmlResult(requestId, output, callbackData);
    }

    /// @notice Payer or owner only: cancels `requestId` at the oracle (which reverts unless it is
    ///         open and timed out or had a claim rejected), pulls the refunded fee and credits it to
    ///         the request's payer.
    /// @param requestId The request.
    function cancelRequest(uint256 requestId) external {
        address payer = payerOf[requestId];
        if (msg.sender != payer && msg.sender != owner) revert NotPayerOrOwner(requestId, payer, msg.sender);
        uint256 refund = oracle.getRequest(requestId).fee;
        oracle.cancelRequest(requestId);
        if (oracle.payouts(address(this)) != 0) oracle.withdraw();
        address to = payer == address(0) ? owner : payer;
        refunds[to] += refund;
        emit RequestRefunded(requestId, to, refund);
        _onCancelled(requestId);
    }

    /// @notice Sends the caller its credited refunds.
    function withdraw() external {
        uint256 amount = refunds[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        refunds[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert WithdrawFailed(msg.sender, amount);
        emit RefundWithdrawn(msg.sender, amount);
    }

    /// @dev Requests `modelId(input)` with this contract as the callback, paying the exact fee from
    ///      this contract's balance; the caller (`msg.sender`) is recorded as the request's payer.
    function _requestInference(uint256 modelId, bytes memory input, uint32 callbackGasLimit, bytes memory data)
        internal
        returns (uint256 requestId)
    {
        uint256 fee = oracle.estimateFee(modelId, callbackGasLimit);
        if (address(this).balance < fee) revert InsufficientFunds(fee, address(this).balance);
        requestId = oracle.requestInference{value: fee}(modelId, input, address(this), callbackGasLimit, data);
        payerOf[requestId] = msg.sender;
    }

    /// @dev Receives a final result. Runs with exactly the callback gas limit of the request; if it
    ///      reverts the oracle records the failure and anyone may retry it.
    function _onOpmlResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) internal virtual;

    /// @dev Called after `requestId` was cancelled and refunded; override to drop its state.
    function _onCancelled(uint256 requestId) internal virtual {}
}
