// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Shifts of 1 build masks and casts wrap on purpose: every value is reduced modulo its width
// exactly as vm/step.ts reduces it (checked by test/stepDiff.test.ts).
// forge-lint: disable-start(unsafe-typecast,incorrect-shift)

/// @title VmBits
/// @notice Integer helpers of the one-step verifier: byte order, sign extension, bit counts and the
///         WASM i32/i64 binary and comparison operators over values held in `uint256`
///         (an i32 in its low 32 bits, an i64 in its low 64 bits). `vm/bits.ts` is its TypeScript
///         twin, function for function (the byte-order helpers excepted: the TypeScript leaf memory
///         reads little-endian values directly).
/// @dev Results of `binary` are not reduced: the caller masks them to 32 or 64 bits.
library VmBits {
    /// @notice Reverses the byte order of the low `n` bytes of `x` (`n` ≤ 8 or `n` = 16; `x` < 2^(8n)):
    ///         the big-endian reading of `n` bytes becomes their little-endian value and back.
    function bswap(uint256 x, uint256 n) internal pure returns (uint256) {
        unchecked {
            if (n == 16) return (bswap64(x & 0xffffffffffffffff) << 64) | bswap64(x >> 64);
            return bswap64(x) >> (64 - 8 * n);
        }
    }

    /// @notice Reverses the 8 bytes of `x` (`x` < 2^64).
    function bswap64(uint256 x) internal pure returns (uint256) {
        x = ((x & 0xff00ff00ff00ff00) >> 8) | ((x & 0x00ff00ff00ff00ff) << 8);
        x = ((x & 0xffff0000ffff0000) >> 16) | ((x & 0x0000ffff0000ffff) << 16);
        return (x >> 32) | ((x & 0xffffffff) << 32);
    }

    /// @notice The low `n` bytes of `v` as a signed number (`n` in 1…32).
    function signExtend(uint256 v, uint256 n) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            r := signextend(sub(n, 1), v)
        }
    }

    /// @notice The low 32 bits of `v` as an int32.
    function s32(uint256 v) internal pure returns (int256) {
        return signExtend(v, 4);
    }

    /// @notice The index of the highest set bit of `x` (`x` ≠ 0, `x` < 2^64).
    function msb(uint256 x) internal pure returns (uint256 r) {
        if (x >= 1 << 32) {
            x >>= 32;
            r = 32;
        }
        if (x >= 1 << 16) {
            x >>= 16;
            r += 16;
        }
        if (x >= 1 << 8) {
            x >>= 8;
            r += 8;
        }
        if (x >= 1 << 4) {
            x >>= 4;
            r += 4;
        }
        if (x >= 1 << 2) {
            x >>= 2;
            r += 2;
        }
        if (x >= 1 << 1) r += 1;
    }

    /// @notice Leading zeros of the `bits`-bit value `x`.
    function clz(uint256 x, uint256 bits) internal pure returns (uint256) {
        unchecked {
            return x == 0 ? bits : bits - 1 - msb(x);
        }
    }

    /// @notice Trailing zeros of the `bits`-bit value `x`.
    function ctz(uint256 x, uint256 bits) internal pure returns (uint256) {
        unchecked {
            return x == 0 ? bits : msb(x & (0 - x));
        }
    }

    /// @notice Set bits of `x` (`x` < 2^64).
    function popcnt(uint256 x) internal pure returns (uint256) {
        unchecked {
            x = x - ((x >> 1) & 0x5555555555555555);
            x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
            return ((x * 0x0101010101010101) >> 56) & 0xff;
        }
    }

    /// @notice The binary operator `k` (0 add, 1 sub, 2 mul, 3 div_s, 4 div_u, 5 rem_s, 6 rem_u, 7 and,
    ///         8 or, 9 xor, 10 shl, 11 shr_s, 12 shr_u, 13 rotl, 14 rotr: the order of the opcodes from
    ///         `OP_I32_ADD` and from `OP_I64_ADD`) on `bits`-bit operands; `ok` is false when it traps (division by
    ///         zero, signed overflow of div_s).
    function binary(uint256 k, uint256 x, uint256 y, uint256 bits) internal pure returns (bool ok, uint256 r) {
        unchecked {
            if (k == 0) return (true, x + y);
            if (k == 1) return (true, x - y);
            if (k == 2) return (true, x * y);
            if (k <= 6) {
                if (y == 0) return (false, 0);
                if (k == 4) return (true, x / y);
                if (k == 6) return (true, x % y);
                int256 sx = signExtend(x, bits / 8);
                int256 sy = signExtend(y, bits / 8);
                if (k == 3) {
                    if (sy == -1 && sx == -int256(1 << (bits - 1))) return (false, 0);
                    return (true, uint256(sx / sy));
                }
                return (true, uint256(sx % sy));
            }
            if (k == 7) return (true, x & y);
            if (k == 8) return (true, x | y);
            if (k == 9) return (true, x ^ y);
            uint256 sh = y & (bits - 1);
            if (k == 10) return (true, x << sh);
            if (k == 11) return (true, uint256(signExtend(x, bits / 8) >> sh));
            if (k == 12) return (true, x >> sh);
            uint256 back = (bits - sh) % bits;
            if (k == 13) return (true, (x << sh) | (x >> back));
            return (true, (x >> sh) | (x << back));
        }
    }

    /// @notice The comparison `k` (0 eq, 1 ne, 2 lt_s, 3 lt_u, 4 gt_s, 5 gt_u, 6 le_s, 7 le_u, 8 ge_s,
    ///         9 ge_u: the order of the opcodes from `OP_I32_EQ` and from `OP_I64_EQ`) on `bits`-bit operands.
    function compare(uint256 k, uint256 x, uint256 y, uint256 bits) internal pure returns (bool) {
        if (k == 0) return x == y;
        if (k == 1) return x != y;
        if (k & 1 == 1) {
            // unsigned: 3 lt, 5 gt, 7 le, 9 ge
            if (k == 3) return x < y;
            if (k == 5) return x > y;
            if (k == 7) return x <= y;
            return x >= y;
        }
        int256 sx = signExtend(x, bits / 8);
        int256 sy = signExtend(y, bits / 8);
        if (k == 2) return sx < sy;
        if (k == 4) return sx > sy;
        if (k == 6) return sx <= sy;
        return sx >= sy;
    }
}
// forge-lint: disable-end(unsafe-typecast,incorrect-shift)
