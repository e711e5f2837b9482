// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPhaseBoundary} from "../interfaces/IPhaseBoundary.sol";
import {ModelCommitment} from "../interfaces/ModelCommitment.sol";
import {Merkle} from "../commitment/Merkle.sol";
import {TensorRoot} from "../commitment/TensorRoot.sol";
import {VmLayout as L} from "../vm/VmLayout.sol";

/// @title PhaseBoundary
/// @notice Entering and leaving phase 2 for one graph node (docs/protocol.md §6): builds node i's
///         initial VM state hash from the model commitment and the agreed `S_i` alone, and checks a
///         defender's final VM state against the disputed `S_{i+1}`.
/// @dev The initial memory root is the program image (`programRoot`) with the node input written
///      into its linear memory (§6.3). The image's linear memory must be zero above `DESC_ADDR`
///      (the kernel library keeps its static data below it): the contract proves the image's
///      linear-memory subtree to be `[static data of 0x10000 bytes][zeros]` with one 3-sibling
///      proof, then composes the new linear-memory root from the static subtree, the descriptor and
///      every operand's tensor root at its aligned block (`Merkle.composeRoot`), and climbs the same
///      3 siblings to the initial memory root. The proofs are ABI-encoded structs (§6.4, §6.5).
contract PhaseBoundary is IPhaseBoundary {
    /// @notice The phase-2 proof of `initialStateHash` (docs/protocol.md §6.4).
    struct PhaseProof {
        /// The 256 bytes of the node descriptor `desc_i`.
        bytes descriptor;
        /// Leaf `i` of `graphRoot` (`SLOT_DEPTH` siblings, bottom-up).
        bytes32[] descriptorProof;
        /// The program header leaf (`HEADER_ADDR`): uint32 LE `bootPc, maxPages, tableSize, minPages`.
        bytes32 header;
        /// The header leaf against `programRoot` (`MEM_DEPTH` siblings).
        bytes32[] headerProof;
        /// The image's memory subtree of height 11 at index 0: linear bytes `[0, 0x10000)`.
        bytes32 staticRoot;
        /// The image's linear-memory subtree (height 27, index 0) against `programRoot` (3 siblings).
        bytes32[] linearProof;
        /// Operand `j`'s tensor root, `j < nInputs`.
        bytes32[] operandRoots;
        /// Operand `j`'s slot proof (`SLOT_DEPTH` siblings) against `S_i` (kind 0) or `weightsRoot` (kind 1).
        bytes32[][] operandProofs;
    }

    /// @notice The exit proof of `checkExit` (docs/protocol.md §6.5).
    struct ExitProof {
        /// The defender's final state witness (`WITNESS_BYTES`).
        bytes witness;
        /// The 256 bytes of the node descriptor `desc_i`.
        bytes descriptor;
        /// Leaf `i` of `graphRoot` (`SLOT_DEPTH` siblings).
        bytes32[] descriptorProof;
        /// The root of the output block's memory subtree (height `tensorDepth(outputLength)`).
        bytes32 outputRoot;
        /// That subtree against the witness's memory root (`MEM_DEPTH - height` siblings).
        bytes32[] outputProof;
        /// The output slot of `S_i` (empty there) (`SLOT_DEPTH` siblings): also proves the written slot under `S_next`.
        bytes32[] slotProof;
        /// Output kind 2 (one block of a cache): the cache slot was empty in `S_i`.
        bool priorEmpty;
        /// Output kind 2: the cache's tensor root in `S_i` (zero when `priorEmpty`: the zero tree's root is implied).
        bytes32 priorRoot;
        /// Output kind 2: the block's subtree root in the cache before the write.
        bytes32 priorBlockRoot;
        /// Output kind 2: the block's siblings up to the cache's tensor root (`tensorDepth(total) - height`).
        bytes32[] regionProof;
    }

    /// @notice The descriptor's fixed address in linear memory.
    uint256 public constant DESC_ADDR = 0x10000;
    /// @notice The descriptor's byte length (tensor depth 3).
    uint256 public constant DESC_SIZE = 256;
    /// @notice The first operand block starts here.
    uint256 public constant OPERANDS_BASE = 0x20000;
    /// @notice At most this many operands per node.
    uint256 public constant MAX_INPUTS = 6;
    /// @notice The step cap of every phase-2 run (the VM's `DEFAULT_STEP_LIMIT`).
    uint256 public constant STEP_LIMIT = 1 << 32;
    /// @notice Linear memory is 32-bit: a node's blocks must end by 4 GiB.
    uint256 public constant MAX_MEMORY = 1 << 32;

    uint256 private constant PAGE_SIZE = 0x10000;
    /// Linear memory `[0, 2^32)` is the memory subtree of height 27 at index 0.
    uint256 private constant LINEAR_HEIGHT = 27;
    /// Linear bytes `[0, DESC_ADDR)`: the memory subtree of height 11 at index 0.
    uint256 private constant STATIC_HEIGHT = 11;
    uint256 private constant DESC_HEIGHT = 3;
    uint256 private constant D_INPUTS = 16;
    uint256 private constant D_OUTPUT = 112;
    uint256 private constant D_SCRATCH = 128;
    /// @dev Output kinds: 0 the node's own (empty) slot, 2 one block of a cache slot (§6.2).
    uint256 private constant OUTPUT_SLOT = 0;
    uint256 private constant OUTPUT_REGION = 2;
    /// Region numbers in {BlockAddressMismatch}: operands are 0..5.
    uint256 private constant REGION_OUTPUT = 6;
    uint256 private constant REGION_SCRATCH = 7;

    /// @notice `node` is not below the model's `nodeCount`.
    error NodeOutOfRange(uint256 node, uint256 nodeCount);
    /// @notice The descriptor has `actual` bytes, not `DESC_SIZE`.
    error DescriptorLength(uint256 expected, uint256 actual);
    /// @notice The descriptor is not leaf `node` of `graphRoot`: its proof leads to `computed`.
    error DescriptorNotInGraph(uint256 node, bytes32 graphRoot, bytes32 computed);
    /// @notice A proof has `actual` siblings where `expected` are needed (`what`: 0 descriptor,
    ///         1 header, 2 linear memory, 3 operand slot, 4 output subtree, 5 output slot).
    error ProofLength(uint256 what, uint256 expected, uint256 actual);
    /// @notice The header leaf is not at `HEADER_ADDR` of `programRoot`: its proof leads to `computed`.
    error HeaderNotInProgram(bytes32 programRoot, bytes32 computed);
    /// @notice The image's linear memory, as `[staticRoot][zeros]`, does not lead to `programRoot`.
    error LinearMemoryNotInProgram(bytes32 programRoot, bytes32 computed);
    /// @notice The descriptor names `nInputs` operands, more than `MAX_INPUTS`.
    error TooManyOperands(uint256 nInputs, uint256 max);
    /// @notice The proof carries `roots` operand roots and `proofs` slot proofs for `nInputs` operands.
    error OperandCount(uint256 nInputs, uint256 roots, uint256 proofs);
    /// @notice Operand `j` has a slot kind other than 0 (activation) or 1 (weight).
    error OperandKind(uint256 j, uint256 kind);
    /// @notice The output's slot kind is `kind`, not 0 (activation).
    error OutputKind(uint256 kind);
    /// @notice Operand `j`'s slot leaf (its root and length) is not at `slot` of `slotRoot` (S_i or weightsRoot).
    error OperandNotInSlot(uint256 j, uint256 kind, uint256 slot, bytes32 slotRoot, bytes32 computed);
    /// @notice Region `region` (operand 0..5, 6 output, 7 scratch) is at `actual`, not at the
    ///         address `expected` that its length and the earlier regions imply (§6.3).
    error BlockAddressMismatch(uint256 region, uint256 expected, uint256 actual);
    /// @notice The node's blocks end at `end`, past the 4 GiB linear memory.
    error NodeTooLarge(uint256 end);
    /// @notice The node needs `pages` pages, outside the program's `[minPages, maxPages]`.
    error PagesOutOfRange(uint256 pages, uint256 minPages, uint256 maxPages);
    /// @notice The final witness has `actual` bytes, not `WITNESS_BYTES`.
    error WitnessLength(uint256 expected, uint256 actual);
    /// @notice The final witness hashes to `computed`, not to the claimed `finalVmStateHash`.
    error FinalStateMismatch(bytes32 finalVmStateHash, bytes32 computed);
    /// @notice The final state's status is `status`, not halted (1).
    error FinalStateNotHalted(uint256 status);
    /// @notice The output block's subtree root does not lead to the final memory root.
    error OutputNotInMemory(bytes32 memRoot, bytes32 computed);
    /// @notice The output slot `slot` is not empty in `S_i`: the proof from the empty leaf leads to `computed`.
    error OutputSlotNotEmpty(uint256 slot, bytes32 S_i, bytes32 computed);
    /// @notice The output written into `S_i` gives `computed`, not the disputed `S_next`.
    error NextStateMismatch(bytes32 S_next, bytes32 computed);
    /// @notice A cache block that is not an aligned block of its cache.
    error RegionOutOfRange(uint256 offset, uint256 blockBytes, uint256 total);
    /// @notice The block's prior root and siblings do not give the cache's prior tensor root.
    error PriorBlockMismatch(bytes32 priorRoot, bytes32 computed);
    /// @notice A node that writes its own slot was given cache fields in its exit proof, or an
    ///         empty cache a prior root.
    error UnusedRegionProof();

    /// @inheritdoc IPhaseBoundary
    function stepLimit() external pure returns (uint256) {
        return STEP_LIMIT;
    }

    /// @inheritdoc IPhaseBoundary
    /// @dev `phaseProof` is `abi.encode(PhaseProof)` (docs/protocol.md §6.4). Reverts with
    ///      {NodeOutOfRange}, {DescriptorLength}, {ProofLength}, {DescriptorNotInGraph},
    ///      {HeaderNotInProgram}, {LinearMemoryNotInProgram}, {TooManyOperands}, {OperandCount},
    ///      {OperandKind}, {OutputKind}, {OperandNotInSlot}, {BlockAddressMismatch}, {NodeTooLarge},
    ///      {PagesOutOfRange}, or Merkle's errors from composing the memory root.
    function initialStateHash(ModelCommitment calldata m, uint256 node, bytes32 S_i, bytes calldata phaseProof)
        external
        pure
        returns (bytes32)
    {
        if (node >= m.nodeCount) revert NodeOutOfRange(node, m.nodeCount);
        PhaseProof memory p = abi.decode(phaseProof, (PhaseProof));
        bytes32 descRoot = _checkDescriptor(m.graphRoot, node, p.descriptor, p.descriptorProof);
        (Merkle.Subtree[] memory subs, uint256 pages) = _nodeInput(p, descRoot, S_i, m.weightsRoot);
        bytes32 memRoot = _composeMemory(m.programRoot, p, subs);
        return _initialHash(m.programRoot, p, memRoot, pages);
    }

    /// @dev The node input's memory subtrees (static image, descriptor, operands in address order)
    ///      and its page count, every operand checked against its slot and every block address
    ///      recomputed from the lengths (§6.3).
    function _nodeInput(PhaseProof memory p, bytes32 descRoot, bytes32 sI, bytes32 weightsRoot)
        private
        pure
        returns (Merkle.Subtree[] memory subs, uint256 pages)
    {
        bytes memory desc = p.descriptor;
        uint256 n = _u32(desc, 8);
        if (n > MAX_INPUTS) revert TooManyOperands(n, MAX_INPUTS);
        if (p.operandRoots.length != n || p.operandProofs.length != n) {
            revert OperandCount(n, p.operandRoots.length, p.operandProofs.length);
        }
        subs = new Merkle.Subtree[](n + 2);
        subs[0] = Merkle.Subtree({index: 0, height: STATIC_HEIGHT, root: p.staticRoot});
        subs[1] = Merkle.Subtree({index: DESC_ADDR >> (5 + DESC_HEIGHT), height: DESC_HEIGHT, root: descRoot});
        uint256 cursor = OPERANDS_BASE;
        for (uint256 j = 0; j < n; j++) {
            (subs[j + 2], cursor) = _operand(p, j, cursor, sI, weightsRoot);
        }
        // Output and scratch: zero blocks after the operands; only their addresses are checked.
        _checkOutputKind(_u32(desc, D_OUTPUT + 8));
        (,, cursor) = _place(REGION_OUTPUT, _u32(desc, D_OUTPUT), _u32(desc, D_OUTPUT + 4), cursor);
        uint256 scratchLen = _u32(desc, D_SCRATCH + 4);
        if (scratchLen > 0) {
            (,, cursor) = _place(REGION_SCRATCH, _u32(desc, D_SCRATCH), scratchLen, cursor);
        } else if (_u32(desc, D_SCRATCH) != 0) {
            revert BlockAddressMismatch(REGION_SCRATCH, 0, _u32(desc, D_SCRATCH));
        }
        if (cursor > MAX_MEMORY) revert NodeTooLarge(cursor);
        pages = (cursor + PAGE_SIZE - 1) / PAGE_SIZE;
    }

    /// @inheritdoc IPhaseBoundary
    /// @dev `exitProof` is `abi.encode(ExitProof)` (docs/protocol.md §6.5). Reverts with
    ///      {NodeOutOfRange}, {WitnessLength}, {FinalStateMismatch}, {FinalStateNotHalted},
    ///      {DescriptorLength}, {ProofLength}, {DescriptorNotInGraph}, {OutputKind},
    ///      {OutputNotInMemory}, {OutputSlotNotEmpty} or {NextStateMismatch}.
    function checkExit(
        ModelCommitment calldata m,
        uint256 node,
        bytes32 S_i,
        bytes32 S_next,
        bytes32 finalVmStateHash,
        bytes calldata exitProof
    ) external pure {
        if (node >= m.nodeCount) revert NodeOutOfRange(node, m.nodeCount);
        ExitProof memory p = abi.decode(exitProof, (ExitProof));
        bytes32 memRoot = _haltedMemRoot(p.witness, finalVmStateHash);
        _checkDescriptor(m.graphRoot, node, p.descriptor, p.descriptorProof);
        (uint256 slot, bytes32 oldLeaf, bytes32 newLeaf) = _outputLeaves(p, memRoot);

        // Written into the (empty) output slot of S_i — or, kind 2, into one block of the cache
        // slot — it must give S_next.
        _checkLength(5, TensorRoot.SLOT_DEPTH, p.slotProof.length);
        bytes32 computed = Merkle.rootFromLeafMemory(oldLeaf, slot, p.slotProof);
        if (computed != S_i) revert OutputSlotNotEmpty(slot, S_i, computed);
        computed = Merkle.rootFromLeafMemory(newLeaf, slot, p.slotProof);
        if (computed != S_next) revert NextStateMismatch(S_next, computed);
    }

    // ------------------------------------------------------------------ internals

    /// @dev The final witness: its hash must be `finalVmStateHash` and its status halted; returns
    ///      its memory root.
    function _haltedMemRoot(bytes memory w, bytes32 finalVmStateHash) private pure returns (bytes32 memRoot) {
        if (w.length != L.WITNESS_BYTES) revert WitnessLength(L.WITNESS_BYTES, w.length);
        bytes32 computed = _witnessHash(w);
        if (computed != finalVmStateHash) revert FinalStateMismatch(finalVmStateHash, computed);
        uint256 status = uint8(w[L.W_STATUS]);
        if (status != L.STATUS_HALTED) revert FinalStateNotHalted(status);
        assembly ("memory-safe") {
            memRoot := mload(add(w, 0x20))
        }
    }

    /// @dev The output block's subtree root checked against the final memory root; returns the
    ///      slot the node writes and that slot's leaf before and after the write.
    function _outputLeaves(ExitProof memory p, bytes32 memRoot)
        private
        pure
        returns (uint256 slot, bytes32 oldLeaf, bytes32 newLeaf)
    {
        bytes memory desc = p.descriptor;
        uint256 kind = _u32(desc, D_OUTPUT + 8);
        _checkOutputKind(kind);
        uint256 len = _u32(desc, D_OUTPUT + 4);
        slot = _u32(desc, D_OUTPUT + 12);
        uint256 d = TensorRoot.tensorDepth(len);
        _checkLength(4, L.MEM_DEPTH - d, p.outputProof.length);
        bytes32 computed = Merkle.rootFromSubtreeMemory(p.outputRoot, _u32(desc, D_OUTPUT) >> (5 + d), d, p.outputProof);
        if (computed != memRoot) revert OutputNotInMemory(memRoot, computed);
        if (kind == OUTPUT_REGION) return (slot, _regionOld(p, desc, d), _regionNew(p, desc, d));
        // A whole-slot write carries no cache fields: one encoding per proof.
        if (p.priorEmpty || p.priorRoot != 0 || p.priorBlockRoot != 0 || p.regionProof.length != 0) {
            revert UnusedRegionProof();
        }
        (oldLeaf, newLeaf) = (bytes32(0), TensorRoot.slotLeaf(p.outputRoot, len));
    }

    /// @dev Output kind 0 (the node's slot) or 2 (a block of a cache slot).
    function _checkOutputKind(uint256 kind) private pure {
        if (kind != OUTPUT_SLOT && kind != OUTPUT_REGION) revert OutputKind(kind);
    }

    /// @dev A cache block write (§6.2): the cache slot's leaf before it. The block (height `d` at
    ///      `offset`) climbs with `regionProof` from its prior root to the cache's prior tensor root.
    function _regionOld(ExitProof memory p, bytes memory desc, uint256 d) private pure returns (bytes32) {
        (uint256 index, uint256 depth, uint256 total) = _region(desc, d);
        _checkLength(6, depth - d, p.regionProof.length);
        // An empty cache's prior root is the zero tree's, not a field: one encoding per proof.
        if (p.priorEmpty && p.priorRoot != 0) revert UnusedRegionProof();
        bytes32 priorRoot = p.priorEmpty ? Merkle.zeroHash(depth) : p.priorRoot;
        bytes32 climbed = Merkle.rootFromSubtreeMemory(p.priorBlockRoot, index, d, p.regionProof);
        if (climbed != priorRoot) revert PriorBlockMismatch(priorRoot, climbed);
        return p.priorEmpty ? bytes32(0) : TensorRoot.slotLeaf(priorRoot, total);
    }

    /// @dev The cache slot's leaf after the write: the output's root climbs with the same siblings.
    function _regionNew(ExitProof memory p, bytes memory desc, uint256 d) private pure returns (bytes32) {
        (uint256 index,, uint256 total) = _region(desc, d);
        return TensorRoot.slotLeaf(Merkle.rootFromSubtreeMemory(p.outputRoot, index, d, p.regionProof), total);
    }

    /// @dev The block's index in its cache, the cache's tensor depth and byte length, checked.
    function _region(bytes memory desc, uint256 d) private pure returns (uint256 index, uint256 depth, uint256 total) {
        uint256 offset = _u32(desc, D_SCRATCH + 8);
        total = _u32(desc, D_SCRATCH + 12);
        depth = TensorRoot.tensorDepth(total);
        uint256 blockBytes = 32 << d;
        index = offset / blockBytes;
        if (d > depth || offset % blockBytes != 0 || index >> (depth - d) != 0) {
            revert RegionOutOfRange(offset, blockBytes, total);
        }
    }

    /// @dev Checks `desc` as leaf `node` of `graphRoot`; returns its tensor root.
    function _checkDescriptor(bytes32 graphRoot, uint256 node, bytes memory desc, bytes32[] memory proof)
        private
        pure
        returns (bytes32 descRoot)
    {
        if (desc.length != DESC_SIZE) revert DescriptorLength(DESC_SIZE, desc.length);
        _checkLength(0, TensorRoot.SLOT_DEPTH, proof.length);
        descRoot = TensorRoot.tensorRoot(desc);
        bytes32 computed = Merkle.rootFromLeafMemory(TensorRoot.slotLeaf(descRoot, DESC_SIZE), node, proof);
        if (computed != graphRoot) revert DescriptorNotInGraph(node, graphRoot, computed);
    }

    /// @dev Operand `j` of the descriptor: its slot leaf checked, its block placed after `cursor`
    ///      and checked; returns its memory subtree and the new cursor.
    function _operand(PhaseProof memory p, uint256 j, uint256 cursor, bytes32 sI, bytes32 weightsRoot)
        private
        pure
        returns (Merkle.Subtree memory sub, uint256 next)
    {
        _checkOperand(p, j, sI, weightsRoot);
        uint256 off = D_INPUTS + 16 * j;
        (uint256 addr, uint256 d, uint256 end) = _place(j, _u32(p.descriptor, off), _u32(p.descriptor, off + 4), cursor);
        sub = Merkle.Subtree({index: addr >> (5 + d), height: d, root: p.operandRoots[j]});
        next = end;
    }

    /// @dev Checks operand `j`'s slot leaf `slotLeaf(root, byteLength)` at its slot of S_i (kind 0)
    ///      or weightsRoot (kind 1).
    function _checkOperand(PhaseProof memory p, uint256 j, bytes32 sI, bytes32 weightsRoot) private pure {
        bytes memory desc = p.descriptor;
        uint256 off = D_INPUTS + 16 * j;
        uint256 kind = _u32(desc, off + 8);
        if (kind > 1) revert OperandKind(j, kind);
        bytes32[] memory proof = p.operandProofs[j];
        _checkLength(3, TensorRoot.SLOT_DEPTH, proof.length);
        bytes32 slotRoot = kind == 0 ? sI : weightsRoot;
        uint256 slot = _u32(desc, off + 12);
        bytes32 leaf = TensorRoot.slotLeaf(p.operandRoots[j], _u32(desc, off + 4));
        bytes32 computed = Merkle.rootFromLeafMemory(leaf, slot, proof);
        if (computed != slotRoot) revert OperandNotInSlot(j, kind, slot, slotRoot, computed);
    }

    /// @dev Places a region of `len` bytes at the next multiple of its block size `32·2^d` from
    ///      `cursor` and checks the descriptor's address `addr` against it; returns the address, `d`
    ///      and the new cursor.
    function _place(uint256 region, uint256 addr, uint256 len, uint256 cursor)
        private
        pure
        returns (uint256, uint256 d, uint256 next)
    {
        d = TensorRoot.tensorDepth(len);
        uint256 size = L.LEAF_BYTES << d;
        uint256 expected = (cursor + size - 1) / size * size;
        if (addr != expected) revert BlockAddressMismatch(region, expected, addr);
        return (addr, d, addr + size);
    }

    /// @dev The initial memory root: the image's linear memory proved `[static][zeros]`, then
    ///      recomposed with the node input and climbed to the top with the same siblings.
    function _composeMemory(bytes32 programRoot, PhaseProof memory p, Merkle.Subtree[] memory subs)
        private
        pure
        returns (bytes32)
    {
        _checkLength(2, L.MEM_DEPTH - LINEAR_HEIGHT, p.linearProof.length);
        Merkle.Subtree[] memory image = new Merkle.Subtree[](1);
        image[0] = subs[0];
        bytes32 computed =
            Merkle.rootFromSubtreeMemory(Merkle.composeRoot(LINEAR_HEIGHT, image), 0, LINEAR_HEIGHT, p.linearProof);
        if (computed != programRoot) revert LinearMemoryNotInProgram(programRoot, computed);
        return Merkle.rootFromSubtreeMemory(Merkle.composeRoot(LINEAR_HEIGHT, subs), 0, LINEAR_HEIGHT, p.linearProof);
    }

    /// @dev The running initial state: `pc = bootPc`, `sp = fp = depth = steps = 0`, the node's
    ///      pages, `maxPages` and `tableSize` from the header leaf, `STEP_LIMIT`.
    function _initialHash(bytes32 programRoot, PhaseProof memory p, bytes32 memRoot, uint256 pages)
        private
        pure
        returns (bytes32)
    {
        _checkLength(1, L.MEM_DEPTH, p.headerProof.length);
        bytes32 computed = Merkle.rootFromLeafMemory(p.header, L.HEADER_ADDR >> 5, p.headerProof);
        if (computed != programRoot) revert HeaderNotInProgram(programRoot, computed);
        bytes memory h = abi.encodePacked(p.header);
        uint256 maxPages = _u32(h, 4);
        uint256 minPages = _u32(h, 12);
        if (pages < minPages || pages > maxPages) revert PagesOutOfRange(pages, minPages, maxPages);
        // Witness bytes 32..63: pc, sp, fp, depth, pages, maxPages, tableSize (uint32 each, big-endian),
        // the high half of steps; bytes 64..76: the low half of steps, stepLimit, status (§5.2).
        uint256 w1 = (_u32(h, 0) << 224) | (pages << 96) | (maxPages << 64) | (_u32(h, 8) << 32);
        uint256 w2 = (STEP_LIMIT << 160) | (L.STATUS_RUNNING << 152);
        bytes memory w = abi.encodePacked(memRoot, w1, w2);
        assembly ("memory-safe") {
            mstore(w, 77)
        }
        return _witnessHash(w);
    }

    /// @dev `H("opml.vm.state.v1" ‖ witness)` with the top byte replaced by the witness's status byte.
    function _witnessHash(bytes memory w) private pure returns (bytes32) {
        uint256 d = uint256(keccak256(abi.encodePacked(L.STATE_TAG, w)));
        return bytes32((uint256(uint8(w[L.W_STATUS])) << 248) | (d & ((1 << 248) - 1)));
    }

    /// @dev The little-endian uint32 at byte `off` of `b` (the caller keeps `off + 4 <= b.length`).
    function _u32(bytes memory b, uint256 off) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            let w := mload(add(add(b, 0x20), off))
            v := or(or(byte(0, w), shl(8, byte(1, w))), or(shl(16, byte(2, w)), shl(24, byte(3, w))))
        }
    }

    /// @dev Reverts {ProofLength} unless a proof of kind `what` has `expected` siblings.
    function _checkLength(uint256 what, uint256 expected, uint256 actual) private pure {
        if (actual != expected) revert ProofLength(what, expected, actual);
    }
}
