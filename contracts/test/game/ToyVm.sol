// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStepVerifier, VmStatus} from "../../src/interfaces/IStepVerifier.sol";
import {IPhaseBoundary} from "../../src/interfaces/IPhaseBoundary.sol";
import {ModelCommitment} from "../../src/interfaces/ModelCommitment.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {TensorRoot} from "../../src/commitment/TensorRoot.sol";

/// @title ToyVm — an honest, tiny stand-in for the real VM, for tests only.
/// @notice State witness: abi.encode(uint64 pc, uint8 status, bytes32 acc, bytes32 programRoot)
///         (128 bytes). The program is 16 instruction words in a depth-4 Merkle tree whose root
///         is `programRoot` (tree nodes keccak256(left ‖ right)). One step reads the word at `pc`
///         with a Merkle proof: word 0 halts (pc unchanged), any other word sets
///         acc = keccak256(acc ‖ word) and pc += 1; running past word 15 traps. Halted and trapped
///         states are fixed points. A state hash is keccak256(witness) with the status in its top byte.
///
///         Graph states are real depth-20 slot trees (protocol.md §4.2): slot 0 holds the input,
///         node i's output slot is slot 1 + i. Node i starts at (pc 0, RUNNING,
///         acc = keccak256("toy.init" ‖ S_i ‖ i), programRoot); its output is the 32-byte tensor
///         `acc`, so S_{i+1} is S_i with slot 1 + i written to slotLeaf(acc, 32).
library ToyVm {
    uint256 internal constant DEPTH = 4;
    uint256 internal constant WORDS = 16;

    struct State {
        uint64 pc;
        uint8 status;
        bytes32 acc;
        bytes32 programRoot;
    }

    error BadWitnessLength(uint256 length);
    error BadProofLength(uint256 length);
    error BadProof(bytes32 expectedRoot, bytes32 computedRoot);

    function encode(State memory s) internal pure returns (bytes memory) {
        return abi.encode(s.pc, s.status, s.acc, s.programRoot);
    }

    function decode(bytes memory w) internal pure returns (State memory s) {
        if (w.length != 128) revert BadWitnessLength(w.length);
        (s.pc, s.status, s.acc, s.programRoot) = abi.decode(w, (uint64, uint8, bytes32, bytes32));
    }

    function hashOf(State memory s) internal pure returns (bytes32) {
        return VmStatus.tag(keccak256(encode(s)), s.status);
    }

    function rootFromLeaf(bytes32 leaf, uint256 index, bytes32[4] memory sib) internal pure returns (bytes32 h) {
        h = leaf;
        for (uint256 i = 0; i < DEPTH; ++i) {
            h = ((index >> i) & 1) == 1
                ? keccak256(abi.encodePacked(sib[i], h))
                : keccak256(abi.encodePacked(h, sib[i]));
        }
    }

    /// @dev The semantics, given the instruction word at pc (already proved).
    function apply_(State memory s, bytes32 word) internal pure returns (State memory n) {
        n = State(s.pc, s.status, s.acc, s.programRoot);
        if (s.status != VmStatus.RUNNING) return n;
        if (word == bytes32(0)) {
            n.status = VmStatus.HALTED;
            return n;
        }
        n.acc = keccak256(abi.encodePacked(s.acc, word));
        n.pc = s.pc + 1;
        if (n.pc >= WORDS) n.status = VmStatus.TRAPPED;
    }

    function initial(bytes32 programRoot, bytes32 sI, uint256 node) internal pure returns (State memory) {
        return State(0, VmStatus.RUNNING, keccak256(abi.encode(bytes32("toy.init"), sI, node)), programRoot);
    }

    /// @notice Node i's output slot.
    function outputSlot(uint256 node) internal pure returns (uint256) {
        return 1 + node;
    }

    /// @notice The slot leaf of node output `acc` (a 32-byte tensor: its root is the bytes).
    function outputLeaf(bytes32 acc) internal pure returns (bytes32) {
        return TensorRoot.slotLeaf(acc, 32);
    }
}

/// @notice The toy one-step verifier: proves the instruction word it reads.
contract ToyStepVerifier is IStepVerifier {
    /// @inheritdoc IStepVerifier
    function step(bytes calldata stateWitness, bytes calldata proof) external pure returns (bytes32) {
        ToyVm.State memory s = ToyVm.decode(stateWitness);
        if (s.status != VmStatus.RUNNING) return ToyVm.hashOf(s);
        if (proof.length != 160) revert ToyVm.BadProofLength(proof.length);
        (bytes32 word, bytes32[4] memory sib) = abi.decode(proof, (bytes32, bytes32[4]));
        bytes32 root = ToyVm.rootFromLeaf(word, s.pc, sib);
        if (root != s.programRoot) revert ToyVm.BadProof(s.programRoot, root);
        return ToyVm.hashOf(ToyVm.apply_(s, word));
    }

    /// @inheritdoc IStepVerifier
    function stateHash(bytes calldata witness) external pure returns (bytes32) {
        return ToyVm.hashOf(ToyVm.decode(witness));
    }
}

/// @notice The toy phase boundary: the initial state is a pure function of (programRoot, S_i, i);
///         the exit opens the final witness and recomputes S_{i+1} from its acc.
contract ToyPhaseBoundary is IPhaseBoundary {
    error NodeOutOfRange(uint256 node, uint256 nodeCount);
    error UnexpectedPhaseProof(uint256 length);
    error ExitWitnessMismatch(bytes32 expected, bytes32 actual);
    error ExitNotHalted(uint8 status);
    error ExitStateMismatch(bytes32 expected, bytes32 actual);

    /// @notice Toy traces are 16 steps long (the program halts after 10): games need D >= 4.
    uint256 public constant STEP_LIMIT = 16;

    /// @inheritdoc IPhaseBoundary
    function stepLimit() external pure returns (uint256) {
        return STEP_LIMIT;
    }

    /// @inheritdoc IPhaseBoundary
    function initialStateHash(ModelCommitment calldata m, uint256 node, bytes32 sI, bytes calldata phaseProof)
        external
        pure
        returns (bytes32)
    {
        if (node >= m.nodeCount) revert NodeOutOfRange(node, m.nodeCount);
        if (phaseProof.length != 0) revert UnexpectedPhaseProof(phaseProof.length);
        return ToyVm.hashOf(ToyVm.initial(m.programRoot, sI, node));
    }

    /// @inheritdoc IPhaseBoundary
    /// @dev exitProof = abi.encode(bytes finalWitness, bytes32[20] siblings of the output slot in S_i).
    function checkExit(
        ModelCommitment calldata m,
        uint256 node,
        bytes32 sI,
        bytes32 sNext,
        bytes32 finalVmStateHash,
        bytes calldata exitProof
    ) external pure {
        if (node >= m.nodeCount) revert NodeOutOfRange(node, m.nodeCount);
        (bytes memory w, bytes32[] memory slotProof) = abi.decode(exitProof, (bytes, bytes32[]));
        ToyVm.State memory f = ToyVm.decode(w);
        bytes32 h = ToyVm.hashOf(f);
        if (h != finalVmStateHash) revert ExitWitnessMismatch(finalVmStateHash, h);
        if (f.status != VmStatus.HALTED) revert ExitNotHalted(f.status);
        bytes32 computed = Merkle.updateLeafMemory(
            sI, bytes32(0), ToyVm.outputLeaf(f.acc), ToyVm.outputSlot(node), slotProof, TensorRoot.SLOT_DEPTH
        );
        if (computed != sNext) revert ExitStateMismatch(sNext, computed);
    }
}

/// @notice Off-chain-party simulation for tests: the program, its proofs, traces, graph states.
///         A party may lie by flipping acc at one step of one node (`lieNode`, `lieStep`); the
///         lie then propagates through every later state, as a consistent liar's would.
contract ToyWorld {
    bytes32[16] internal words;
    bytes32 public programRoot;
    uint256 public immutable haltAt;

    constructor(uint256 haltAt_) {
        haltAt = haltAt_;
        for (uint256 i = 0; i < 16; ++i) {
            words[i] = i < haltAt_ ? keccak256(abi.encode("toy.word", i)) : bytes32(0);
        }
        programRoot = _root();
    }

    function _root() internal view returns (bytes32) {
        bytes32[] memory level = new bytes32[](16);
        for (uint256 i = 0; i < 16; ++i) {
            level[i] = words[i];
        }
        for (uint256 n = 16; n > 1; n /= 2) {
            for (uint256 i = 0; i < n / 2; ++i) {
                level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
        }
        return level[0];
    }

    /// @notice The step proof for pc: abi.encode(word, siblings[4]).
    function proofFor(uint256 pc) public view returns (bytes memory) {
        if (pc >= 16) return "";
        bytes32[] memory level = new bytes32[](16);
        for (uint256 i = 0; i < 16; ++i) {
            level[i] = words[i];
        }
        bytes32[4] memory sib;
        uint256 idx = pc;
        for (uint256 d = 0; d < 4; ++d) {
            sib[d] = level[idx ^ 1];
            uint256 n = 16 >> d;
            for (uint256 i = 0; i < n / 2; ++i) {
                level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            idx >>= 1;
        }
        return abi.encode(words[pc], sib);
    }

    /// @notice The state after `t` steps of node `node` from S_i; if `lieStep <= t`, acc is flipped
    ///         after step `lieStep` is reached (before executing it).
    function stateAt(bytes32 sI, uint256 node, uint256 t, uint256 lieStep) public view returns (ToyVm.State memory s) {
        s = ToyVm.initial(programRoot, sI, node);
        uint256 i = 0;
        // Halted and trapped states are fixed points: stop stepping once there (any trace length).
        uint256 upTo = lieStep < t ? lieStep : t;
        while (i < upTo && s.status == 0) {
            s = ToyVm.apply_(s, words[s.pc]);
            ++i;
        }
        if (lieStep > t) return s;
        s.acc = s.acc ^ bytes32(uint256(1));
        i = lieStep;
        while (i < t && s.status == 0) {
            s = ToyVm.apply_(s, words[s.pc]);
            ++i;
        }
    }

    function witnessAt(bytes32 sI, uint256 node, uint256 t, uint256 lieStep) external view returns (bytes memory) {
        return ToyVm.encode(stateAt(sI, node, t, lieStep));
    }

    function hashAt(bytes32 sI, uint256 node, uint256 t, uint256 lieStep) public view returns (bytes32) {
        return ToyVm.hashOf(stateAt(sI, node, t, lieStep));
    }

    /// @notice The request input every toy game starts from, and its S_0 (input in slot 0).
    bytes public constant INPUT = hex"0102030405060708";

    function s0() public pure returns (bytes32) {
        Merkle.Subtree[] memory one = new Merkle.Subtree[](1);
        one[0] = Merkle.Subtree(0, 0, TensorRoot.tensorSlotLeaf(INPUT));
        return Merkle.composeRoot(TensorRoot.SLOT_DEPTH, one);
    }

    /// @dev Runs the graph: states S_0..S_N. Slots fill contiguously (input at 0, node i at 1 + i),
    ///      so the slot tree is an incremental Merkle tree: `branch[h]` is the last complete left
    ///      subtree at height h, and the insertion proof of index c has sibling h = branch[h] if bit h
    ///      of c is set, else the zero hash. Returns the insertion proof of node `proofNode`'s output
    ///      slot (its write proof against S_proofNode, and its inclusion proof in every later state).
    function _run(uint256 n, uint256 steps, uint256 lieNode, uint256 lieStep, uint256 proofNode)
        internal
        view
        returns (bytes32[] memory s, bytes32[] memory proof)
    {
        s = new bytes32[](n + 1);
        bytes32[] memory branch = new bytes32[](TensorRoot.SLOT_DEPTH);
        _insert(branch, 0, TensorRoot.tensorSlotLeaf(INPUT));
        s[0] = s0();
        for (uint256 i = 0; i < n; ++i) {
            ToyVm.State memory f = stateAt(s[i], i, steps, i == lieNode ? lieStep : type(uint256).max);
            uint256 idx = ToyVm.outputSlot(i);
            bytes32[] memory sib = new bytes32[](TensorRoot.SLOT_DEPTH);
            for (uint256 h = 0; h < TensorRoot.SLOT_DEPTH; ++h) {
                sib[h] = ((idx >> h) & 1) == 1 ? branch[h] : Merkle.zeroHash(h);
            }
            bytes32 leaf = ToyVm.outputLeaf(f.acc);
            s[i + 1] = Merkle.rootFromLeafMemory(leaf, idx, sib);
            _insert(branch, idx, leaf);
            if (i == proofNode) proof = sib;
        }
    }

    function _insert(bytes32[] memory branch, uint256 idx, bytes32 leaf) internal pure {
        bytes32 node = leaf;
        uint256 size = idx + 1;
        for (uint256 h = 0; h < TensorRoot.SLOT_DEPTH; ++h) {
            if ((size & 1) == 1) {
                branch[h] = node;
                return;
            }
            node = keccak256(abi.encodePacked(branch[h], node));
            size >>= 1;
        }
    }

    /// @notice Graph states S_0..S_N; node `lieNode` runs with the lie at `lieStep` (no lie when
    ///         lieNode >= N). `steps` is 2^D: the trace length per node.
    function graphStates(uint256 n, uint256 steps, uint256 lieNode, uint256 lieStep)
        external
        view
        returns (bytes32[] memory s)
    {
        (s,) = _run(n, steps, lieNode, lieStep, type(uint256).max);
    }

    /// @notice The exit proof a party with this run gives for node `node`: its final witness and the
    ///         siblings of node's output slot in its S_node.
    function exitProof(uint256 n, uint256 steps, uint256 lieNode, uint256 lieStep, uint256 node)
        external
        view
        returns (bytes32 finalHash, bytes memory proof)
    {
        (bytes32[] memory s, bytes32[] memory slotProof) = _run(n, steps, lieNode, lieStep, node);
        ToyVm.State memory f = stateAt(s[node], node, steps, node == lieNode ? lieStep : type(uint256).max);
        finalHash = ToyVm.hashOf(f);
        proof = abi.encode(ToyVm.encode(f), slotProof);
    }

    /// @notice A claim for this run: S_N, the output bytes (node N-1's acc) and the output slot proof.
    function claim(uint256 n, uint256 steps, uint256 lieNode, uint256 lieStep)
        external
        view
        returns (bytes32 finalState, bytes memory output, bytes32[] memory proof)
    {
        (bytes32[] memory s, bytes32[] memory slotProof) = _run(n, steps, lieNode, lieStep, n - 1);
        finalState = s[n];
        ToyVm.State memory f = stateAt(s[n - 1], n - 1, steps, n - 1 == lieNode ? lieStep : type(uint256).max);
        output = abi.encodePacked(f.acc);
        proof = slotProof;
    }
}
