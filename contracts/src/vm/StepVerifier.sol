// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Shifts of 1 build masks and casts wrap on purpose: every value is reduced modulo its width
// exactly as vm/step.ts reduces it (checked by test/stepDiff.test.ts).
// forge-lint: disable-start(unsafe-typecast,incorrect-shift)

import {IStepVerifier} from "../interfaces/IStepVerifier.sol";
import {VmLayout as L} from "./VmLayout.sol";
import {VmBits} from "./VmBits.sol";

/// @title StepVerifier
/// @notice The on-chain one-step verifier of the opML VM (docs/protocol.md §5.2–5.4): executes exactly
///         one flat instruction from a state witness, reading and writing memory only through the
///         one-step proof's leaf accesses, each checked against the memory root as it is at that
///         moment (a write recomputes the root with the same siblings). It mirrors `vm/step.ts`
///         (the reference step) function for function: the execution section below has the same
///         functions, in the same order, under the same names, and `VmBits` mirrors `vm/bits.ts`;
///         `verifyStep` in `vm/stepProof.ts` is the TypeScript twin of `step` as a whole.
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
        State memory s = _decodeWitness(stateWitness);
        if (s.status != L.STATUS_RUNNING) {
            if (proof.length != 0) revert ProofLength(0, proof.length);
            return _hashWitness(s);
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
        return _hashWitness(s);
    }

    /// @inheritdoc IStepVerifier
    /// @dev `H("opml.vm.state.v1" ‖ witness)` with its top byte replaced by the status byte.
    ///      Reverts `WitnessLength` or `WitnessStatus` on a malformed witness.
    function stateHash(bytes calldata witness) external pure returns (bytes32) {
        return _hashWitness(_decodeWitness(witness));
    }

    // ------------------------------------------------------------------ witness

    /// @dev The registers and root of a witness: each field read at its `W_*` offset (docs/protocol.md
    ///      §5.2), big-endian, from the top of the calldata word there (uint32: 224 bits down, uint64:
    ///      192, the status byte: 248).
    function _decodeWitness(bytes calldata w) internal pure returns (State memory s) {
        if (w.length != L.WITNESS_BYTES) revert WitnessLength(L.WITNESS_BYTES, w.length);
        uint256 o;
        assembly ("memory-safe") {
            o := w.offset
        }
        unchecked {
            s.root = bytes32(_word(o + L.W_MEM_ROOT));
            s.pc = _word(o + L.W_PC) >> 224;
            s.sp = _word(o + L.W_SP) >> 224;
            s.fp = _word(o + L.W_FP) >> 224;
            s.depth = _word(o + L.W_DEPTH) >> 224;
            s.pages = _word(o + L.W_PAGES) >> 224;
            s.maxPages = _word(o + L.W_MAX_PAGES) >> 224;
            s.tableSize = _word(o + L.W_TABLE_SIZE) >> 224;
            s.steps = _word(o + L.W_STEPS) >> 192;
            s.stepLimit = _word(o + L.W_STEP_LIMIT) >> 192;
            s.status = _word(o + L.W_STATUS) >> 248;
        }
        if (s.status > L.STATUS_TRAPPED) revert WitnessStatus(s.status);
    }

    /// @dev The calldata word at `p`.
    function _word(uint256 p) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := calldataload(p)
        }
    }

    /// @dev The state hash of the witness the state encodes: the tag, then each field written
    ///      big-endian at its `W_*` offset, in offset order (a write's zero tail is overwritten by the
    ///      next field), so every register is taken modulo its width.
    function _hashWitness(State memory s) internal pure returns (bytes32) {
        uint256 m;
        assembly ("memory-safe") {
            m := mload(0x40)
        }
        unchecked {
            uint256 w = m + 32;
            _store(m, uint256(L.STATE_TAG));
            _store(w + L.W_MEM_ROOT, uint256(s.root));
            _store(w + L.W_PC, s.pc << 224);
            _store(w + L.W_SP, s.sp << 224);
            _store(w + L.W_FP, s.fp << 224);
            _store(w + L.W_DEPTH, s.depth << 224);
            _store(w + L.W_PAGES, s.pages << 224);
            _store(w + L.W_MAX_PAGES, s.maxPages << 224);
            _store(w + L.W_TABLE_SIZE, s.tableSize << 224);
            _store(w + L.W_STEPS, s.steps << 192);
            _store(w + L.W_STEP_LIMIT, s.stepLimit << 192);
            _store(w + L.W_STATUS, s.status << 248);
            uint256 d = _keccak(m, 32 + L.WITNESS_BYTES);
            return bytes32((s.status << 248) | (d & ((1 << 248) - 1)));
        }
    }

    /// @dev Stores the word `v` at memory address `p` (free memory: the witness being hashed).
    function _store(uint256 p, uint256 v) private pure {
        assembly ("memory-safe") {
            mstore(p, v)
        }
    }

    function _keccak(uint256 p, uint256 n) private pure returns (uint256 h) {
        assembly ("memory-safe") {
            h := keccak256(p, n)
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

    // ------------------------------------------------------------------ slots

    function _slotAddr(uint256 i) private pure returns (uint256) {
        unchecked {
            return L.STACK_BASE + L.SLOT_BYTES * i;
        }
    }

    function _readSlot(State memory s, uint256 i) internal pure returns (uint256) {
        return _readIn(s, _slotAddr(i), L.SLOT_BYTES);
    }

    function _writeSlot(State memory s, uint256 i, uint256 v) internal pure {
        _writeIn(s, _slotAddr(i), L.SLOT_BYTES, v);
    }

    /// @dev Pushes `v` (taken modulo 2^64) as slot `sp`.
    function _push(State memory s, uint256 v) private pure {
        unchecked {
            _writeSlot(s, s.sp, v);
            s.sp += 1;
        }
    }

    // ------------------------------------------------------------------ execution

    /// @dev Executes the instruction at `pc` of a running state under its step cap.
    function _execute(State memory s) internal pure {
        unchecked {
            (uint256 op, int256 a, int256 b, int256 c) = _decode(s, s.pc);
            bool ok = true;
            if (op >= L.OP_I32_EQZ && op <= L.OP_I64_EXTEND32_S) ok = _numeric(s, op);
            else if (op >= L.OP_I32_LOAD && op <= L.OP_I64_LOAD32_U) ok = _load(s, op, uint256(a) & M32);
            else if (op >= L.OP_I32_STORE && op <= L.OP_I64_STORE32) ok = _store(s, op, uint256(a) & M32);
            else if (op == L.OP_I32_CONST || op == L.OP_I64_CONST) _constant(s, op, a, b);
            else if (op >= L.OP_LOCAL_GET && op <= L.OP_GLOBAL_SET) _variable(s, op, a);
            else if (op == L.OP_DROP || op == L.OP_SELECT) _parametric(s, op);
            else if (op == L.OP_MEMORY_SIZE || op == L.OP_MEMORY_GROW) _memoryPages(s, op);
            else return _control(s, op, a, b, c);
            if (!ok) return _trap(s);
            s.pc += 1;
        }
    }

    /// @dev The instruction at `pc`: its op (uint32) and `a`, `b`, `c` (int32, sign-extended), the
    ///      little-endian words of its 16 bytes.
    function _decode(State memory s, uint256 pc) internal pure returns (uint256 op, int256 a, int256 b, int256 c) {
        unchecked {
            uint256 ins = _readIn(s, L.CODE_BASE + L.INSTR_BYTES * pc, L.INSTR_BYTES);
            return (ins & M32, VmBits.s32(ins >> 32), VmBits.s32(ins >> 64), VmBits.s32(ins >> 96));
        }
    }

    function _trap(State memory s) private pure {
        s.status = L.STATUS_TRAPPED;
    }

    /// @dev The flat control instructions (docs/protocol.md §5.3): each sets `pc`, or the status, itself.
    function _control(State memory s, uint256 op, int256 a, int256 b, int256 c) private pure {
        unchecked {
            if (op == L.OP_BR) {
                _adjust(s, b, c);
                s.pc = uint256(a);
            } else if (op == L.OP_BR_IF) {
                uint256 v = _readSlot(s, s.sp - 1) & M32;
                s.sp -= 1;
                if (v != 0) {
                    _adjust(s, b, c);
                    s.pc = uint256(a);
                } else {
                    s.pc += 1;
                }
            } else if (op == L.OP_BR_UNLESS) {
                uint256 v = _readSlot(s, s.sp - 1) & M32;
                s.sp -= 1;
                s.pc = v == 0 ? uint256(a) : s.pc + 1;
            } else if (op == L.OP_BR_TABLE) {
                uint256 i = _readSlot(s, s.sp - 1) & M32;
                s.sp -= 1;
                // min(i, n) over the reference's numbers: n is the signed field `a`.
                (, int256 target, int256 keep, int256 drop) = _decode(s, uint256(int256(s.pc) + 1 + _min(i, a)));
                _adjust(s, keep, drop);
                s.pc = uint256(target);
            } else if (op == L.OP_RETURN) {
                if (s.depth == 0) return _trap(s);
                for (int256 j = 0; j < a; j++) {
                    _writeSlot(s, uint256(int256(s.fp) + j), _readSlot(s, uint256(int256(s.sp) - a + j)));
                }
                s.sp = uint256(int256(s.fp) + a);
                s.depth -= 1;
                uint256 f = _readIn(s, L.CALL_BASE + L.FRAME_BYTES * s.depth, L.FRAME_BYTES);
                s.pc = f & M32;
                s.fp = f >> 32;
            } else if (op == L.OP_CALL) {
                if (!_call(s, uint256(a) & M32, b, c)) _trap(s);
            } else if (op == L.OP_CALL_INDIRECT) {
                if (!_callIndirect(s, a)) _trap(s);
            } else if (op == L.OP_HALT) {
                s.status = L.STATUS_HALTED;
            } else {
                _trap(s); // OP_TRAP, OP_TABLE_ENTRY and every opcode the VM does not execute
            }
        }
    }

    function _min(uint256 i, int256 n) private pure returns (int256) {
        return int256(i) < n ? int256(i) : n;
    }

    /// @dev Calls table entry `i` (slot `sp-1`) if its function's type is `typeId`; false (nothing
    ///      changed) when the entry is out of range or null, the type differs, or the call overflows.
    function _callIndirect(State memory s, int256 typeId) private pure returns (bool) {
        unchecked {
            uint256 i = _readSlot(s, s.sp - 1) & M32;
            if (i >= s.tableSize) return false;
            uint256 f = _readIn(s, L.TABLE_BASE + L.TABLE_ENTRY_BYTES * i, L.TABLE_ENTRY_BYTES);
            if (f == M32) return false;
            // the record is little-endian: entryPc, typeId, nparams, frameSize from the low word up
            uint256 rec = _readIn(s, L.FUNC_BASE + L.FUNC_BYTES * f, L.FUNC_BYTES);
            if ((rec >> 32) & M32 != uint256(typeId) & M32) return false;
            s.sp -= 1;
            if (_call(s, rec & M32, int256((rec >> 64) & M32), int256((rec >> 96) & M32))) return true;
            s.sp += 1;
            return false;
        }
    }

    /// @dev Pushes the call frame `(pc + 1, fp)` and enters `entry`; false (nothing changed) when the
    ///      call depth or the value stack would overflow.
    function _call(State memory s, uint256 entry, int256 nparams, int256 frameSize) private pure returns (bool) {
        unchecked {
            int256 newFp = int256(s.sp) - nparams;
            if (s.depth >= L.MAX_CALL_DEPTH || newFp + frameSize > int256(L.STACK_SLOTS)) return false;
            uint256 frame = ((s.fp << 32) | (s.pc + 1)) & M64;
            _writeIn(s, L.CALL_BASE + L.FRAME_BYTES * s.depth, L.FRAME_BYTES, frame);
            s.depth += 1;
            s.fp = uint256(newFp);
            s.pc = entry;
            return true;
        }
    }

    /// @dev Moves the top `keep` slots down by `drop` slots (nothing when `drop` is 0).
    function _adjust(State memory s, int256 keep, int256 drop) private pure {
        if (drop == 0) return;
        unchecked {
            int256 from = int256(s.sp) - keep;
            for (int256 j = 0; j < keep; j++) {
                _writeSlot(s, uint256(from - drop + j), _readSlot(s, uint256(from + j)));
            }
            s.sp = uint256(int256(s.sp) - drop);
        }
    }

    /// @dev `drop` and `select`.
    function _parametric(State memory s, uint256 op) private pure {
        unchecked {
            if (op == L.OP_DROP) {
                s.sp -= 1;
            } else {
                uint256 cond = _readSlot(s, s.sp - 1) & M32;
                uint256 y = _readSlot(s, s.sp - 2);
                uint256 x = _readSlot(s, s.sp - 3);
                s.sp -= 3;
                _push(s, cond != 0 ? x : y);
            }
        }
    }

    function _globalAddr(int256 a) private pure returns (uint256) {
        unchecked {
            return uint256(int256(L.GLOBAL_BASE) + int256(L.SLOT_BYTES) * a);
        }
    }

    /// @dev `local.get/set/tee` (slot `fp + a`) and `global.get/set` (global `a`).
    function _variable(State memory s, uint256 op, int256 a) private pure {
        unchecked {
            uint256 local = uint256(int256(s.fp) + a);
            if (op == L.OP_LOCAL_GET) {
                _push(s, _readSlot(s, local));
            } else if (op == L.OP_LOCAL_SET) {
                uint256 v = _readSlot(s, s.sp - 1);
                s.sp -= 1;
                _writeSlot(s, local, v);
            } else if (op == L.OP_LOCAL_TEE) {
                _writeSlot(s, local, _readSlot(s, s.sp - 1));
            } else if (op == L.OP_GLOBAL_GET) {
                _push(s, _readIn(s, _globalAddr(a), L.SLOT_BYTES));
            } else {
                uint256 v = _readSlot(s, s.sp - 1);
                s.sp -= 1;
                _writeIn(s, _globalAddr(a), L.SLOT_BYTES, v);
            }
        }
    }

    /// @dev `memory.size` and `memory.grow` (−1 above `maxPages`; new pages are zero, never written).
    function _memoryPages(State memory s, uint256 op) private pure {
        unchecked {
            if (op == L.OP_MEMORY_SIZE) return _push(s, s.pages);
            uint256 delta = _readSlot(s, s.sp - 1) & M32;
            s.sp -= 1;
            uint256 old = s.pages;
            if (old + delta > s.maxPages) {
                _push(s, M32);
            } else {
                s.pages = old + delta;
                _push(s, old);
            }
        }
    }

    /// @dev `i32.const` (`a`) and `i64.const` (`a` low, `b` high word).
    function _constant(State memory s, uint256 op, int256 a, int256 b) private pure {
        if (op == L.OP_I32_CONST) _push(s, uint256(a) & M32);
        else _push(s, ((uint256(b) & M32) << 32) | (uint256(a) & M32));
    }

    /// @dev A load of `offset` past the address in slot `sp-1`; false on an out-of-bounds access (a trap).
    function _load(State memory s, uint256 op, uint256 offset) private pure returns (bool) {
        unchecked {
            (uint256 width, bool signed, bool is64) = _loadSpec(op);
            if (width == 0) return false;
            uint256 ea = (_readSlot(s, s.sp - 1) & M32) + offset;
            if (ea + width > s.pages * PAGE_BYTES) return false;
            s.sp -= 1;
            uint256 v = _readMem(s, ea, width);
            if (signed) v = uint256(VmBits.signExtend(v, width));
            _push(s, v & (is64 ? M64 : M32));
            return true;
        }
    }

    /// @dev A load's access from the opcode table (`L.LOAD_SPECS`): `width` bytes (0: not a load),
    ///      sign-extended, to 64 bits.
    function _loadSpec(uint256 op) private pure returns (uint256 width, bool signed, bool is64) {
        unchecked {
            uint256 spec = (L.LOAD_SPECS >> (8 * (op - L.OP_I32_LOAD))) & 0xff;
            return (spec & 0x0f, spec & 0x10 != 0, spec & 0x20 != 0);
        }
    }

    /// @dev A store of slot `sp-1` at `offset` past the address in slot `sp-2`; false when out of bounds.
    function _store(State memory s, uint256 op, uint256 offset) private pure returns (bool) {
        unchecked {
            uint256 width = (L.STORE_WIDTHS >> (8 * (op - L.OP_I32_STORE))) & 0xff;
            if (width == 0) return false;
            uint256 v = _readSlot(s, s.sp - 1);
            uint256 ea = (_readSlot(s, s.sp - 2) & M32) + offset;
            if (ea + width > s.pages * PAGE_BYTES) return false;
            _writeMem(s, ea, width, v);
            s.sp -= 2;
            return true;
        }
    }

    /// @dev The integer numeric instructions; false on a trap (division) or an opcode the VM does not execute.
    function _numeric(State memory s, uint256 op) private pure returns (bool) {
        unchecked {
            // binary: read sp-1, sp-2; write sp-2
            if ((op >= L.OP_I32_ADD && op <= L.OP_I32_ROTR) || (op >= L.OP_I64_ADD && op <= L.OP_I64_ROTR)) {
                bool is64 = op >= L.OP_I64_ADD;
                uint256 mask = is64 ? M64 : M32;
                uint256 y = _readSlot(s, s.sp - 1) & mask;
                uint256 x = _readSlot(s, s.sp - 2) & mask;
                (bool ok, uint256 r) = VmBits.binary(is64 ? op - L.OP_I64_ADD : op - L.OP_I32_ADD, x, y, is64 ? 64 : 32);
                if (!ok) return false;
                s.sp -= 2;
                _push(s, r & mask);
                return true;
            }
            // comparisons: read sp-1, sp-2; write sp-2
            if ((op >= L.OP_I32_EQ && op <= L.OP_I32_GE_U) || (op >= L.OP_I64_EQ && op <= L.OP_I64_GE_U)) {
                bool is64 = op >= L.OP_I64_EQ;
                uint256 mask = is64 ? M64 : M32;
                uint256 y = _readSlot(s, s.sp - 1) & mask;
                uint256 x = _readSlot(s, s.sp - 2) & mask;
                s.sp -= 2;
                _push(s, VmBits.compare(is64 ? op - L.OP_I64_EQ : op - L.OP_I32_EQ, x, y, is64 ? 64 : 32) ? 1 : 0);
                return true;
            }
            // tests, unary, conversions: read sp-1; write sp-1
            uint256 r;
            if (
                op == L.OP_I32_EQZ || op == L.OP_I32_CLZ || op == L.OP_I32_CTZ || op == L.OP_I32_POPCNT
                    || op == L.OP_I32_EXTEND8_S || op == L.OP_I32_EXTEND16_S
            ) {
                uint256 x = _readSlot(s, s.sp - 1) & M32;
                if (op == L.OP_I32_EQZ) r = x == 0 ? 1 : 0;
                else if (op == L.OP_I32_CLZ) r = VmBits.clz(x, 32);
                else if (op == L.OP_I32_CTZ) r = VmBits.ctz(x, 32);
                else if (op == L.OP_I32_POPCNT) r = VmBits.popcnt(x);
                else r = uint256(VmBits.signExtend(x, 1 << (op - L.OP_I32_EXTEND8_S))) & M32; // 1 or 2 bytes
            } else if (
                op == L.OP_I64_EQZ || op == L.OP_I64_CLZ || op == L.OP_I64_CTZ || op == L.OP_I64_POPCNT
                    || op == L.OP_I32_WRAP_I64 || op == L.OP_I64_EXTEND_I32_S || op == L.OP_I64_EXTEND_I32_U
                    || (op >= L.OP_I64_EXTEND8_S && op <= L.OP_I64_EXTEND32_S)
            ) {
                uint256 x = _readSlot(s, s.sp - 1);
                if (op == L.OP_I64_EQZ) r = x == 0 ? 1 : 0;
                else if (op == L.OP_I64_CLZ) r = VmBits.clz(x, 64);
                else if (op == L.OP_I64_CTZ) r = VmBits.ctz(x, 64);
                else if (op == L.OP_I64_POPCNT) r = VmBits.popcnt(x);
                else if (op == L.OP_I32_WRAP_I64 || op == L.OP_I64_EXTEND_I32_U) r = x & M32;
                else if (op == L.OP_I64_EXTEND_I32_S) r = uint256(VmBits.signExtend(x & M32, 4)) & M64;
                else r = uint256(VmBits.signExtend(x, 1 << (op - L.OP_I64_EXTEND8_S))) & M64; // 1, 2 or 4 bytes
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
