// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpmlConsumer} from "./OpmlConsumer.sol";
import {IOpmlOracle} from "../interfaces/IOpmlOracle.sol";

/// @title ClassifierGate
/// @notice Example dapp: anyone submits an item (an int8 feature tensor) with the oracle fee; a
///         registered classifier's final output (int8 logits, one per class) decides the item's
///         label, the arg-max class. Items labelled `acceptedClass` are accepted.
contract ClassifierGate is OpmlConsumer {
    error FeeMismatch(uint256 expected, uint256 paid);
    error UnknownItem(uint256 requestId);
    error TooManyClasses(uint256 classes, uint256 max);

    struct Item {
        address submitter;
        bool labelled;
        uint8 label;
    }

    event ItemSubmitted(uint256 indexed requestId, address indexed submitter);
    event ItemLabelled(uint256 indexed requestId, uint8 label, bool accepted);

    /// @notice The classifier's model id in the oracle.
    uint256 public immutable modelId;
    /// @notice The class that gets an item accepted.
    uint8 public immutable acceptedClass;
    /// @notice Labels are uint8: a classifier may have at most this many classes.
    uint256 public constant MAX_CLASSES = 256;
    /// @notice Gas granted to each result callback.
    uint32 public constant CALLBACK_GAS = 100_000;

    /// @notice Items by request id.
    mapping(uint256 => Item) public items;

    /// @param oracle_ The oracle.
    /// @param modelId_ The classifier model.
    /// @param acceptedClass_ The class that gets an item accepted.
    /// @dev Reverts with `TooManyClasses` if the model outputs more than 256 logits (a label >= 256
    ///      would not fit a uint8).
    constructor(IOpmlOracle oracle_, uint256 modelId_, uint8 acceptedClass_) OpmlConsumer(oracle_) {
        uint256 classes = oracle_.getModel(modelId_).outputLength;
        if (classes > MAX_CLASSES) revert TooManyClasses(classes, MAX_CLASSES);
        modelId = modelId_;
        acceptedClass = acceptedClass_;
    }

    /// @notice The fee `submit` expects.
    /// @return The oracle fee for one classification.
    function fee() public view returns (uint256) {
        return oracle.estimateFee(modelId, CALLBACK_GAS);
    }

    /// @notice Submits an item for classification, paying exactly `fee()`.
    /// @param features The item's input tensor bytes.
    /// @return requestId The oracle request.
    function submit(bytes calldata features) external payable returns (uint256 requestId) {
        uint256 f = fee();
        if (msg.value != f) revert FeeMismatch(f, msg.value);
        requestId = _requestInference(modelId, features, CALLBACK_GAS, "");
        items[requestId] = Item({submitter: msg.sender, labelled: false, label: 0});
        emit ItemSubmitted(requestId, msg.sender);
    }

    /// @notice Whether an item was accepted (false until it is labelled).
    /// @param requestId The item's request.
    /// @return True if labelled with the accepted class.
    function isAccepted(uint256 requestId) external view returns (bool) {
        Item storage it = items[requestId];
        return it.labelled && it.label == acceptedClass;
    }

    /// @dev Labels the item with the arg-max class of its logits (the first on a tie).
    function _onOpmlResult(uint256 requestId, bytes calldata output, bytes calldata) internal override {
        Item storage it = items[requestId];
        if (it.submitter == address(0)) revert UnknownItem(requestId);
        if (output.length > MAX_CLASSES) revert TooManyClasses(output.length, MAX_CLASSES);
        uint8 best = 0;
        int8 bestLogit = type(int8).min;
        for (uint256 i = 0; i < output.length; ++i) {
            int8 logit = int8(uint8(output[i]));
            if (logit > bestLogit) {
                bestLogit = logit;
                // casting to 'uint8' is safe because i < output.length <= MAX_CLASSES = 256.
                // forge-lint: disable-next-line(unsafe-typecast)
                best = uint8(i);
            }
        }
        it.labelled = true;
        it.label = best;
        emit ItemLabelled(requestId, best, best == acceptedClass);
    }

    /// @dev A cancelled item is forgotten (its fee went back to its submitter).
    function _onCancelled(uint256 requestId) internal override {
        delete items[requestId];
    }
}
