// The VM's memory map, state witness and flat opcodes. Mirrors the "VM" tables of
// docs/protocol.md §5 (checked by vm/test/layout.test.ts, which parses the document).

/** Address space of the VM memory, in bytes: 2^35. Tree leaves are 32-byte words. */
export const ADDRESS_BITS = 35;
/** Depth of the VM memory Merkle tree: 2^30 leaves of 32 bytes. */
export const MEM_DEPTH = 30;
export const LEAF_BYTES = 32;

export const LINEAR_BASE = 0;
export const CODE_BASE = 2 ** 32;
export const FUNC_BASE = 2 ** 32 + 2 ** 30;
export const TABLE_BASE = 2 ** 32 + 2 ** 31;
export const GLOBAL_BASE = 2 ** 32 + 3 * 2 ** 30;
export const CALL_BASE = 2 ** 33;
export const STACK_BASE = 2 ** 34;

/** Bytes per flat instruction: four little-endian int32 words [op, a, b, c]. */
export const INSTR_BYTES = 16;
/** Bytes per function record [entryPc, typeId, nparams, frameSize]. */
export const FUNC_BYTES = 16;
/** Bytes per table entry (a function index, 0xffffffff = null). */
export const TABLE_ENTRY_BYTES = 4;
/** Bytes per global, value-stack slot (little-endian, i32 zero-extended). */
export const SLOT_BYTES = 8;
/** Bytes per call frame [retPc, savedFp]. */
export const FRAME_BYTES = 8;

/** Most value-stack slots; a call whose frame would not fit traps. */
export const STACK_SLOTS = 2 ** 20;
/** Most nested calls; one more traps (call stack exhausted). */
export const MAX_CALL_DEPTH = 2 ** 14;
/** Most flat instructions in a program. */
export const MAX_CODE = 2 ** 26;

export const STATUS_RUNNING = 0;
export const STATUS_HALTED = 1;
export const STATUS_TRAPPED = 2;

/** Domain tag of the state hash (protocol §1). */
export const STATE_TAG = "opml.vm.state.v1";

/** State witness: packed, big-endian fields. [name, byte offset, byte size]. */
export const W_MEM_ROOT = 0;
export const W_PC = 32;
export const W_SP = 36;
export const W_FP = 40;
export const W_DEPTH = 44;
export const W_PAGES = 48;
export const W_MAX_PAGES = 52;
export const W_TABLE_SIZE = 56;
export const W_STEPS = 60;
export const W_STEP_LIMIT = 68;
export const W_STATUS = 76;
export const WITNESS_BYTES = 77;

/** Flat opcodes that differ from WASM's (all others keep their WASM opcode byte). */
export const OP_TRAP = 0x00;
export const OP_BR_UNLESS = 0x04;
export const OP_BR = 0x0c;
export const OP_BR_IF = 0x0d;
export const OP_BR_TABLE = 0x0e;
export const OP_RETURN = 0x0f;
export const OP_CALL = 0x10;
export const OP_CALL_INDIRECT = 0x11;
export const OP_HALT = 0xf0;
export const OP_TABLE_ENTRY = 0xf1;
