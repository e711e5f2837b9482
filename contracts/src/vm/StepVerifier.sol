// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Shifts of 1 build masks and casts wrap on purpose: every value is reduced modulo its width
// exactly as vm/step.ts reduces it (checked by the differential test).
// forge-lint: disable-start(unsafe-typecast,incorrect-shift)

import {IStepVerifier} from "../interfaces/IStepVerifier.sol";
import {VmLayout as L} from "./VmLayout.sol";
import {VmBits} from "./VmBits.sol";

/// @title StepVerifier
/// @notice The on-chain one-step verifier of the opML VM (docs/protocol.md §5.2–5.4): executes exactly
///         one flat instruction from a state witness, reading and writing memory only through the
///         one-step proof's leaf accesses, each checked against the memory root as it is at that
///         moment (a write recomputes the root with the same siblings). It mirrors `vm/step.ts`
///         (the reference step) and `verifyStep` in `vm/stepProof.ts` (its TypeScript twin).
/// @dev Traps are states, never reverts: a trapping step returns the trapped state's hash. Only a
///      malformed witness or proof reverts, with a custom error carrying the compared values.
///      All arithmetic is `unchecked` and mirrors the reference's (JavaScript number / BigInt)
///      arithmetic on the values a validated program can reach; 32-bit registers are re-encoded
///      modulo 2^32 and `steps` modulo 2^64, as `vm/witness.ts` encodes them.
contract StepVerifier is IStepVerifier {
    /// @notice The witness is `actual` bytes long, not `expected` (`WITNESS_BYTES`).
    error WitnessLength(uint256 expected, uint256 actual);
    /// @notice The witness's status byte is none of running (0), halted (1), trapped (2).
    error WitnessStatus(uint256 status);
    /// @notice The proof ends before access number `access` (it is `actual` bytes, `needed` are read so far).
    error ProofTooShort(uint256 access, uint256 needed, uint256 actual);
    /// @notice The step consumed `expected` proof bytes but the proof has `actual` (unused accesses).
    error ProofLength(uint256 expected, uint256 actual);
    /// @notice Access number `access` (leaf `leafIndex`) does not climb to the current memory `root`
    ///         but to `computed`.
    error LeafMismatch(uint256 access, uint256 leafIndex, bytes32 root, bytes32 computed);
    /// @notice The step addresses byte `addr`, outside the `2^ADDRESS_BITS`-byte memory.
    error AddressOutOfRange(uint256 addr);

    /// @dev Bytes of one leaf access: the leaf, then its `MEM_DEPTH` siblings bottom-up.
    uint256 internal constant ACCESS_BYTES = L.LEAF_BYTES * (1 + L.MEM_DEPTH);
    uint256 internal constant M32 = 0xffffffff;
    uint256 internal constant M64 = 0xffffffffffffffff;
    uint256 internal constant PAGE_BYTES = 65536;

    /// @dev The registers and the memory root while a step runs, plus the proof cursor.
    struct State {
        bytes32 root;
        uint256 pc;
        uint256 sp;
        uint256 fp;
        uint256 depth;
        uint256 pages;
        uint256 maxPages;
        uint256 tableSize;
        uint256 steps;
        uint256 stepLimit;
        uint256 status;
        /// calldata offset of the next leaf access, of the proof's start and of its end
        uint256 cursor;
        uint256 start;
        uint256 end;
    }

    /// @inheritdoc IStepVerifier
    /// @dev Reverts `WitnessLength`, `WitnessStatus` on a malformed witness; `ProofTooShort`,
    ///      `LeafMismatch`, `ProofLength` (unused accesses, or any proof for a halted/trapped state),
    ///      `AddressOutOfRange` on a proof that does not fit the step.
    function step(bytes calldata stateWitness, bytes calldata proof) external pure returns (bytes32 postStateHash) {
        State memory s = _decode(stateWitness);
        if (s.status != L.STATUS_RUNNING) {
            if (proof.length != 0) revert ProofLength(0, proof.length);
            return _hash(s);
        }
        uint256 start;
        assembly ("memory-safe") {
            start := proof.offset
        }
        s.cursor = start;
        s.start = start;
        s.end = start + proof.length;
        unchecked {
            uint256 before = s.steps;
            s.steps = (before + 1) & M64;
            if (before >= s.stepLimit) s.status = L.STATUS_TRAPPED;
            else _execute(s);
        }
        if (s.cursor != s.end) revert ProofLength(s.cursor - start, proof.length);
        return _hash(s);
    }

    /// @inheritdoc IStepVerifier
    /// @dev `H("opml.vm.state.v1" ‖ witness)` with its top byte replaced by the status byte.
    ///      Reverts `WitnessLength` or `WitnessStatus` on a malformed witness.
    function stateHash(bytes calldata witness) external pure returns (bytes32) {
        return _hash(_decode(witness));
    }

    // ------------------------------------------------------------------ witness

    function _decode(bytes calldata w) internal pure returns (State memory s) {
        if (w.length != L.WITNESS_BYTES) revert WitnessLength(L.WITNESS_BYTES, w.length);
        uint256 status;
        assembly ("memory-safe") {
            let o := w.offset
            mstore(s, calldataload(add(o, 0)))
            let x := calldataload(add(o, 32))
            mstore(add(s, 0x20), shr(224, x))
            mstore(add(s, 0x40), and(shr(192, x), 0xffffffff))
            mstore(add(s, 0x60), and(shr(160, x), 0xffffffff))
            mstore(add(s, 0x80), and(shr(128, x), 0xffffffff))
            mstore(add(s, 0xa0), and(shr(96, x), 0xffffffff))
            mstore(add(s, 0xc0), and(shr(64, x), 0xffffffff))
            mstore(add(s, 0xe0), and(shr(32, x), 0xffffffff))
            mstore(add(s, 0x100), shr(192, calldataload(add(o, 60))))
            mstore(add(s, 0x120), shr(192, calldataload(add(o, 68))))
            status := byte(0, calldataload(add(o, 76)))
            mstore(add(s, 0x140), status)
        }
        if (status > L.STATUS_TRAPPED) revert WitnessStatus(status);
    }

    /// @dev The state hash of the witness the state encodes (registers modulo their widths).
    function _hash(State memory s) internal pure returns (bytes32 h) {
        bytes32 tag = L.STATE_TAG;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, tag)
            mstore(add(m, 32), mload(s))
            let steps := and(mload(add(s, 0x100)), 0xffffffffffffffff)
            let w1 := shl(224, and(mload(add(s, 0x20)), 0xffffffff))
            w1 := or(w1, shl(192, and(mload(add(s, 0x40)), 0xffffffff)))
            w1 := or(w1, shl(160, and(mload(add(s, 0x60)), 0xffffffff)))
            w1 := or(w1, shl(128, and(mload(add(s, 0x80)), 0xffffffff)))
            w1 := or(w1, shl(96, and(mload(add(s, 0xa0)), 0xffffffff)))
            w1 := or(w1, shl(64, and(mload(add(s, 0xc0)), 0xffffffff)))
            w1 := or(w1, shl(32, and(mload(add(s, 0xe0)), 0xffffffff)))
            w1 := or(w1, shr(32, steps))
            mstore(add(m, 64), w1)
            let w2 := shl(224, and(steps, 0xffffffff))
            w2 := or(w2, shl(160, and(mload(add(s, 0x120)), 0xffffffffffffffff)))
            w2 := or(w2, shl(152, and(mload(add(s, 0x140)), 0xff)))
            mstore(add(m, 96), w2)
            let d := keccak256(m, 109)
            h := or(
                shl(248, mload(add(s, 0x140))),
                and(d, 0x00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
            )
        }
    }

    // ------------------------------------------------------------------ leaf accesses

    /// @dev The next access's leaf, checked against the current root (leaf index of byte `addr`).
    function _readLeaf(State memory s, uint256 addr) internal pure returns (uint256 leaf) {
        uint256 index = _leafIndex(addr);
        uint256 p = _take(s);
        bytes32 root = s.root;
        bytes32 computed;
        assembly ("memory-safe") {
            leaf := calldataload(p)
            let h := leaf
            let idx := index
            for {
                let q := add(p, 32)
                let e := add(p, 992)
            } lt(q, e) {
                q := add(q, 32)
                idx := shr(1, idx)
            } {
                let o := shl(5, and(idx, 1))
                mstore(o, h)
                mstore(xor(o, 32), calldataload(q))
                h := keccak256(0, 64)
            }
            computed := h
        }
        if (computed != root) revert LeafMismatch((p - s.start) / ACCESS_BYTES, index, root, computed);
    }

    /// @dev The next access replaces leaf `leaf` by `f(leaf)`: checks the old leaf against the current
    ///      root and moves the root to the new leaf's. Returns the old leaf through `_writeLeaf`'s caller.
    function _writeLeaf(State memory s, uint256 addr, uint256 clearMask, uint256 bits) internal pure {
        uint256 index = _leafIndex(addr);
        uint256 p = _take(s);
        bytes32 root = s.root;
        bytes32 computed;
        bytes32 updated;
        assembly ("memory-safe") {
            let h := calldataload(p)
            let n := or(and(h, not(clearMask)), bits)
            let idx := index
            for {
                let q := add(p, 32)
                let e := add(p, 992)
            } lt(q, e) {
                q := add(q, 32)
                idx := shr(1, idx)
            } {
                let o := shl(5, and(idx, 1))
                mstore(o, h)
                mstore(xor(o, 32), calldataload(q))
                h := keccak256(0, 64)
                mstore(o, n)
                n := keccak256(0, 64)
            }
            computed := h
            updated := n
        }
        if (computed != root) revert LeafMismatch((p - s.start) / ACCESS_BYTES, index, root, computed);
        s.root = updated;
    }

    function _leafIndex(uint256 addr) private pure returns (uint256) {
        if (addr >> L.ADDRESS_BITS != 0) revert AddressOutOfRange(addr);
        return addr / L.LEAF_BYTES;
    }

    /// @dev Claims the next access of the proof; its calldata offset.
    function _take(State memory s) private pure returns (uint256 p) {
        p = s.cursor;
        unchecked {
            uint256 next = p + ACCESS_BYTES;
            if (next > s.end) revert ProofTooShort((p - s.start) / ACCESS_BYTES, next - s.start, s.end - s.start);
            s.cursor = next;
        }
    }

    /// @dev Reads `n` ≤ 16 little-endian bytes at `addr` inside one leaf (aligned data).
    function _readIn(State memory s, uint256 addr, uint256 n) internal pure returns (uint256) {
        unchecked {
            uint256 off = addr % 32;
            uint256 raw = (_readLeaf(s, addr) >> (8 * (32 - off - n))) & ((1 << (8 * n)) - 1);
            return VmBits.bswap(raw, n);
        }
    }

    /// @dev Writes `n` ≤ 8 little-endian bytes of `v` at `addr` inside one leaf.
    function _writeIn(State memory s, uint256 addr, uint256 n, uint256 v) internal pure {
        unchecked {
            uint256 shift = 8 * (32 - addr % 32 - n);
            uint256 mask = (1 << (8 * n)) - 1;
            _writeLeaf(s, addr, mask << shift, VmBits.bswap(v & mask, n) << shift);
        }
    }

    /// @dev Reads `n` ≤ 8 little-endian bytes of linear memory at `ea` (one or two leaves).
    function _readMem(State memory s, uint256 ea, uint256 n) internal pure returns (uint256) {
        unchecked {
            uint256 off = ea % 32;
            if (off + n <= 32) return _readIn(s, ea, n);
            uint256 kA = 32 - off;
            uint256 kB = n - kA;
            uint256 a = _readLeaf(s, ea) & ((1 << (8 * kA)) - 1);
            uint256 b = _readLeaf(s, ea + kA) >> (8 * (32 - kB));
            return VmBits.bswap((a << (8 * kB)) | b, n);
        }
    }

    /// @dev Writes `n` ≤ 8 little-endian bytes of `v` to linear memory at `ea` (one or two leaves).
    function _writeMem(State memory s, uint256 ea, uint256 n, uint256 v) internal pure {
        unchecked {
            uint256 off = ea % 32;
            if (off + n <= 32) return _writeIn(s, ea, n, v);
            uint256 kA = 32 - off;
            uint256 kB = n - kA;
            uint256 raw = VmBits.bswap(v & ((1 << (8 * n)) - 1), n);
            _writeLeaf(s, ea, (1 << (8 * kA)) - 1, raw >> (8 * kB));
            uint256 shiftB = 8 * (32 - kB);
            _writeLeaf(s, ea + kA, ((1 << (8 * kB)) - 1) << shiftB, (raw & ((1 << (8 * kB)) - 1)) << shiftB);
        }
    }

    function _slotAddr(uint256 i) private pure returns (uint256) {
        unchecked {
            return L.STACK_BASE + L.SLOT_BYTES * i;
        }
    }

    function _readSlot(State memory s, uint256 i) internal pure returns (uint256) {
        return _readIn(s, _slotAddr(i), 8);
    }

    function _writeSlot(State memory s, uint256 i, uint256 v) internal pure {
        _writeIn(s, _slotAddr(i), 8, v);
    }

    /// @dev Pushes `v` (taken modulo 2^64) as slot `sp`.
    function _push(State memory s, uint256 v) private pure {
        unchecked {
            _writeSlot(s, s.sp, v);
            s.sp += 1;
        }
    }

    /// @dev The instruction at `pc`: its op (uint32) and `a`, `b`, `c` (int32, sign-extended).
    function _instr(State memory s, uint256 pc) internal pure returns (uint256 op, int256 a, int256 b, int256 c) {
        unchecked {
            uint256 addr = L.CODE_BASE + L.INSTR_BYTES * pc;
            uint256 raw = (_readLeaf(s, addr) >> (8 * (16 - (addr % 32)))) & ((1 << 128) - 1);
            op = VmBits.bswap(raw >> 96, 4);
            a = VmBits.s32(VmBits.bswap((raw >> 64) & M32, 4));
            b = VmBits.s32(VmBits.bswap((raw >> 32) & M32, 4));
            c = VmBits.s32(VmBits.bswap(raw & M32, 4));
        }
    }

    // ------------------------------------------------------------------ execution

    /// @dev Executes the instruction at `pc` of a running state under its step cap.
    function _execute(State memory s) internal pure {
        unchecked {
            (uint256 op, int256 a, int256 b, int256 c) = _instr(s, s.pc);
            uint256 nextPc = s.pc + 1;
            if (op >= 0x45) {
                if (op < 0xf0) {
                    if (!_numeric(s, op)) return _trap(s);
                } else if (op == L.OP_HALT) {
                    s.status = L.STATUS_HALTED;
                    return;
                } else {
                    return _trap(s); // OP_TABLE_ENTRY and unknown opcodes
                }
            } else if (op >= 0x28) {
                if (op <= 0x35) {
                    if (!_load(s, op, uint256(a) & M32)) return _trap(s);
                } else if (op <= 0x3e) {
                    if (!_store(s, op, uint256(a) & M32)) return _trap(s);
                } else if (op == 0x3f) {
                    _push(s, s.pages);
                } else if (op == 0x40) {
                    uint256 delta = _readSlot(s, s.sp - 1) & M32;
                    s.sp -= 1;
                    uint256 old = s.pages;
                    if (old + delta > s.maxPages) {
                        _push(s, M32);
                    } else {
                        s.pages = old + delta;
                        _push(s, old);
                    }
                } else if (op == 0x41) {
                    _push(s, uint256(a) & M32);
                } else if (op == 0x42) {
                    _push(s, ((uint256(b) & M32) << 32) | (uint256(a) & M32));
                } else {
                    return _trap(s); // 0x43, 0x44: floats, refused by the loader
                }
            } else if (op >= 0x1a) {
                if (op == 0x1a) {
                    s.sp -= 1;
                } else if (op == 0x1b) {
                    uint256 cond = _readSlot(s, s.sp - 1) & M32;
                    uint256 y = _readSlot(s, s.sp - 2);
                    uint256 x = _readSlot(s, s.sp - 3);
                    s.sp -= 3;
                    _push(s, cond != 0 ? x : y);
                } else if (op == 0x20) {
                    _push(s, _readSlot(s, _local(s, a)));
                } else if (op == 0x21) {
                    uint256 v = _readSlot(s, s.sp - 1);
                    s.sp -= 1;
                    _writeSlot(s, _local(s, a), v);
                } else if (op == 0x22) {
                    _writeSlot(s, _local(s, a), _readSlot(s, s.sp - 1));
                } else if (op == 0x23) {
                    _push(s, _readIn(s, _globalAddr(a), 8));
                } else if (op == 0x24) {
                    uint256 v = _readSlot(s, s.sp - 1);
                    s.sp -= 1;
                    _writeIn(s, _globalAddr(a), 8, v);
                } else {
                    return _trap(s);
                }
            } else if (op == L.OP_BR) {
                _adjust(s, b, c);
                nextPc = uint256(a);
            } else if (op == L.OP_BR_IF) {
                uint256 v = _readSlot(s, s.sp - 1) & M32;
                s.sp -= 1;
                if (v != 0) {
                    _adjust(s, b, c);
                    nextPc = uint256(a);
                }
            } else if (op == L.OP_BR_UNLESS) {
                uint256 v = _readSlot(s, s.sp - 1) & M32;
                s.sp -= 1;
                if (v == 0) nextPc = uint256(a);
            } else if (op == L.OP_BR_TABLE) {
                uint256 i = _readSlot(s, s.sp - 1) & M32;
                s.sp -= 1;
                // min(i, n) over the reference's numbers: n is the signed field `a`.
                int256 k = int256(i) < a ? int256(i) : a;
                (, int256 target, int256 keep, int256 drop) = _instr(s, uint256(int256(s.pc) + 1 + k));
                _adjust(s, keep, drop);
                nextPc = uint256(target);
            } else if (op == L.OP_RETURN) {
                if (s.depth == 0) return _trap(s);
                for (int256 j = 0; j < a; j++) {
                    uint256 v = _readSlot(s, uint256(int256(s.sp) - a + j));
                    _writeSlot(s, uint256(int256(s.fp) + j), v);
                }
                s.sp = uint256(int256(s.fp) + a);
                s.depth -= 1;
                uint256 f = _readIn(s, L.CALL_BASE + L.FRAME_BYTES * s.depth, 8);
                nextPc = f & M32;
                s.fp = f >> 32;
            } else if (op == L.OP_CALL) {
                if (!_call(s, uint256(a) & M32, b, c)) return _trap(s);
                return;
            } else if (op == L.OP_CALL_INDIRECT) {
                uint256 i = _readSlot(s, s.sp - 1) & M32;
                if (i >= s.tableSize) return _trap(s);
                uint256 f = _readIn(s, L.TABLE_BASE + L.TABLE_ENTRY_BYTES * i, 4);
                if (f == M32) return _trap(s);
                uint256 rec = _readIn(s, L.FUNC_BASE + L.FUNC_BYTES * f, 16);
                // rec is little-endian: entryPc, typeId, nparams, frameSize from the low word up
                if ((rec >> 32) & M32 != uint256(a) & M32) return _trap(s);
                s.sp -= 1;
                if (!_call(s, rec & M32, int256((rec >> 64) & M32), int256((rec >> 96) & M32))) {
                    s.sp += 1;
                    return _trap(s);
                }
                return;
            } else {
                return _trap(s); // OP_TRAP (unreachable) and unknown opcodes
            }
            s.pc = nextPc;
        }
    }

    function _trap(State memory s) private pure {
        s.status = L.STATUS_TRAPPED;
    }

    function _local(State memory s, int256 a) private pure returns (uint256) {
        return uint256(int256(s.fp) + a);
    }

    function _globalAddr(int256 a) private pure returns (uint256) {
        return uint256(int256(L.GLOBAL_BASE) + int256(L.SLOT_BYTES) * a);
    }

    /// @dev Moves the top `keep` slots down by `drop` slots (nothing when `drop` is 0).
    function _adjust(State memory s, int256 keep, int256 drop) private pure {
        if (drop == 0) return;
        unchecked {
            int256 from = int256(s.sp) - keep;
            for (int256 j = 0; j < keep; j++) {
                uint256 v = _readSlot(s, uint256(from + j));
                _writeSlot(s, uint256(from - drop + j), v);
            }
            s.sp = uint256(int256(s.sp) - drop);
        }
    }

    /// @dev Pushes a call frame `(pc + 1, fp)` and enters `entry`; false (nothing changed) when the
    ///      call depth or the value stack would overflow.
    function _call(State memory s, uint256 entry, int256 nparams, int256 frameSize) private pure returns (bool) {
        unchecked {
            int256 newFp = int256(s.sp) - nparams;
            if (s.depth >= L.MAX_CALL_DEPTH || newFp + frameSize > int256(L.STACK_SLOTS)) return false;
            uint256 frame = ((s.fp << 32) | (s.pc + 1)) & M64;
            _writeIn(s, L.CALL_BASE + L.FRAME_BYTES * s.depth, 8, frame);
            s.depth += 1;
            s.fp = uint256(newFp);
            s.pc = entry;
            return true;
        }
    }

    /// @dev Loads 0x28–0x35; false on an out-of-bounds access (a trap).
    function _load(State memory s, uint256 op, uint256 offset) private pure returns (bool) {
        unchecked {
            // width, signed, 64-bit result, by op - 0x28 (0x2a, 0x2b are float loads: refused)
            uint256 width;
            uint256 signed;
            bool is64;
            if (op == 0x28) (width, signed, is64) = (4, 1, false);
            else if (op == 0x29) (width, signed, is64) = (8, 1, true);
            else if (op == 0x2c) (width, signed, is64) = (1, 1, false);
            else if (op == 0x2d) (width, signed, is64) = (1, 0, false);
            else if (op == 0x2e) (width, signed, is64) = (2, 1, false);
            else if (op == 0x2f) (width, signed, is64) = (2, 0, false);
            else if (op == 0x30) (width, signed, is64) = (1, 1, true);
            else if (op == 0x31) (width, signed, is64) = (1, 0, true);
            else if (op == 0x32) (width, signed, is64) = (2, 1, true);
            else if (op == 0x33) (width, signed, is64) = (2, 0, true);
            else if (op == 0x34) (width, signed, is64) = (4, 1, true);
            else if (op == 0x35) (width, signed, is64) = (4, 0, true);
            else return false;
            uint256 ea = (_readSlot(s, s.sp - 1) & M32) + offset;
            if (ea + width > s.pages * PAGE_BYTES) return false;
            s.sp -= 1;
            uint256 v = _readMem(s, ea, width);
            if (signed != 0) v = uint256(VmBits.signExtend(v, width));
            _push(s, v & (is64 ? M64 : M32));
            return true;
        }
    }

    /// @dev Stores 0x36–0x3e; false on an out-of-bounds access (a trap).
    function _store(State memory s, uint256 op, uint256 offset) private pure returns (bool) {
        unchecked {
            uint256 width;
            if (op == 0x36) width = 4;
            else if (op == 0x37) width = 8;
            else if (op == 0x3a || op == 0x3c) width = 1;
            else if (op == 0x3b || op == 0x3d) width = 2;
            else if (op == 0x3e) width = 4;
            else return false; // 0x38, 0x39: float stores, refused by the loader
            uint256 v = _readSlot(s, s.sp - 1);
            uint256 ea = (_readSlot(s, s.sp - 2) & M32) + offset;
            if (ea + width > s.pages * PAGE_BYTES) return false;
            _writeMem(s, ea, width, v);
            s.sp -= 2;
            return true;
        }
    }

    /// @dev The integer numeric instructions 0x45–0xc4; false on a trap (division) or an unknown op.
    function _numeric(State memory s, uint256 op) private pure returns (bool) {
        unchecked {
            // binary 0x6a–0x78 (i32), 0x7c–0x8a (i64): read sp-1, sp-2; write sp-2
            if ((op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a)) {
                bool is64 = op >= 0x7c;
                uint256 mask = is64 ? M64 : M32;
                uint256 y = _readSlot(s, s.sp - 1) & mask;
                uint256 x = _readSlot(s, s.sp - 2) & mask;
                (bool ok, uint256 res) = VmBits.binary(is64 ? op - 0x7c : op - 0x6a, x, y, is64 ? 64 : 32);
                if (!ok) return false;
                s.sp -= 2;
                _push(s, res & mask);
                return true;
            }
            // comparisons 0x46–0x4f (i32), 0x51–0x5a (i64)
            if ((op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a)) {
                bool is64 = op >= 0x51;
                uint256 mask = is64 ? M64 : M32;
                uint256 y = _readSlot(s, s.sp - 1) & mask;
                uint256 x = _readSlot(s, s.sp - 2) & mask;
                s.sp -= 2;
                _push(s, VmBits.compare(is64 ? op - 0x51 : op - 0x46, x, y, is64 ? 64 : 32) ? 1 : 0);
                return true;
            }
            // unary, tests, conversions: read sp-1; write sp-1
            uint256 r;
            if (op == 0x45 || op == 0x67 || op == 0x68 || op == 0x69 || op == 0xc0 || op == 0xc1) {
                uint256 x = _readSlot(s, s.sp - 1) & M32;
                if (op == 0x45) r = x == 0 ? 1 : 0;
                else if (op == 0x67) r = VmBits.clz(x, 32);
                else if (op == 0x68) r = VmBits.ctz(x, 32);
                else if (op == 0x69) r = VmBits.popcnt(x);
                else r = uint256(VmBits.signExtend(x, op == 0xc0 ? 1 : 2)) & M32;
            } else if (
                op == 0x50 || op == 0x79 || op == 0x7a || op == 0x7b || op == 0xa7 || op == 0xac || op == 0xad
                    || (op >= 0xc2 && op <= 0xc4)
            ) {
                uint256 x = _readSlot(s, s.sp - 1);
                if (op == 0x50) r = x == 0 ? 1 : 0;
                else if (op == 0x79) r = VmBits.clz(x, 64);
                else if (op == 0x7a) r = VmBits.ctz(x, 64);
                else if (op == 0x7b) r = VmBits.popcnt(x);
                else if (op == 0xa7 || op == 0xad) r = x & M32;
                else if (op == 0xac) r = uint256(VmBits.signExtend(x & M32, 4)) & M64;
                else r = uint256(VmBits.signExtend(x, op == 0xc2 ? 1 : op == 0xc3 ? 2 : 4)) & M64;
            } else {
                return false;
            }
            s.sp -= 1;
            _push(s, r);
            return true;
        }
    }
}
// forge-lint: disable-end(unsafe-typecast,incorrect-shift)
