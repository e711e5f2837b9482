/**
 * The reference dispatch of the int16-activation ops and the `strided` layout
 * op (docs/fixed-point.md §3.1, §3.2), called by runReference.
 */
import { DnnShapeError, DnnUnsupportedOpError } from "../errors.ts";
import { opParams } from "../ops.ts";
import { add16, cvt16to8, cvt8to16, lut16, matmul16, mul16, relu16, requantTensor16 } from "./int16.ts";
import { strided } from "./strided.ts";
import { expectLength, operand } from "./expect.ts";

function view<T>(bytes: Uint8Array, size: number, make: (b: ArrayBuffer) => T, what: string): T {
  if (bytes.length % size !== 0)
    throw new DnnShapeError(`operand ${what} is not a whole number of elements`, {
      details: `${bytes.length} bytes, element size ${size}`,
    });
  return make(bytes.slice().buffer);
}

/** Runs one int16 or `strided` node; runReference has checked the operand count. */
export function runInt16Node(
  op: number,
  inputs: readonly Uint8Array[],
  params: readonly number[],
): Int8Array | Int16Array | Uint8Array {
  const { name, p } = opParams(op, params);
  const x = (j: number) => operand(name, inputs, j);
  const i8 = (j: number) => view(x(j), 1, (b) => new Int8Array(b), `${name} operand ${j}`);
  const i16 = (j: number) => view(x(j), 2, (b) => new Int16Array(b), `${name} operand ${j}`);
  const i32 = (j: number) => view(x(j), 4, (b) => new Int32Array(b), `${name} operand ${j}`);
  const n16 = (j: number, what: string, n: number) => {
    const v = i16(j);
    expectLength(name, what, v, n);
    return v;
  };
  switch (name) {
    case "requant16":
      return requantTensor16(i32(0), i32(1), i32(2), p.R, p.C);
    case "cvt8to16":
      expectLength(name, "x", x(0), p.n);
      return cvt8to16(i8(0), p.m, p.s);
    case "cvt16to8":
      return cvt16to8(n16(0, "x", p.n), p.m, p.s);
    case "matmul16":
      return matmul16(i16(0), i8(1), i32(2), i32(3), i32(4), p.M, p.N, p.K);
    case "add16":
      return add16(n16(0, "a", p.n), i16(1), p.mA, p.mB, p.s);
    case "mul16":
      return mul16(n16(0, "a", p.n), i16(1), p.m, p.s);
    case "relu16":
      return relu16(n16(0, "x", p.n));
    case "lut16":
      return lut16(n16(0, "x", p.n), i16(1));
    case "strided":
      return strided(x(0).slice(), {
        d: [p.d0, p.d1, p.d2, p.d3],
        st: [p.st0, p.st1, p.st2, p.st3],
        E: p.E,
        n: p.n,
      });
    default:
      throw new DnnUnsupportedOpError(`${name} is not an int16 or strided op`);
  }
}
