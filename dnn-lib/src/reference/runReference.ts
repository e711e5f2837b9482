/**
 * Runs one node with the TypeScript reference: the op code, the operand bytes
 * and the positional params of the descriptor in, the output bytes out.
 */
import { opInfo, opParams, outputByteLength } from "../ops.ts";
import { DnnShapeError } from "../errors.ts";
import { matmul, conv2d } from "./matmul.ts";
import { add, argmax, lut, mul, relu, requantTensor } from "./elementwise.ts";
import { softmax } from "./softmax.ts";
import { norm } from "./norm.ts";
import { pool } from "./pool.ts";
import { concat, gather, slice, transpose } from "./layout.ts";
import { rotary } from "./rotary.ts";
import { attention, attnCache } from "./attention.ts";
import { expectLength, operand } from "./expect.ts";
import { runInt16Node } from "./runInt16.ts";
import { genInit, genSample } from "./generation.ts";

function view<T>(bytes: Uint8Array, size: number, make: (b: ArrayBuffer) => T, what: string): T {
  if (bytes.length % size !== 0)
    throw new DnnShapeError(`operand ${what} is not a whole number of elements`, {
      details: `${bytes.length} bytes, element size ${size}`,
    });
  return make(bytes.slice().buffer);
}

export function runReference(op: number, inputs: readonly Uint8Array[], params: readonly number[]): Uint8Array {
  const info = opInfo(op);
  const { name, p } = opParams(op, params);
  if (inputs.length !== info.inputs.length)
    throw new DnnShapeError(`${info.name}: wrong operand count`, {
      details: `got ${inputs.length}, expected ${info.inputs.length} (${info.inputs.join(", ")})`,
    });
  const outLen = outputByteLength(op, params);
  const x = (j: number) => operand(name, inputs, j);
  const what = (j: number) => info.inputs[j] ?? `${j}`;
  const i8 = (j: number) => view(x(j), 1, (b) => new Int8Array(b), what(j));
  const i16 = (j: number) => view(x(j), 2, (b) => new Int16Array(b), what(j));
  const i32 = (j: number) => view(x(j), 4, (b) => new Int32Array(b), what(j));
  const u8 = (j: number) => x(j).slice();
  let out: Int8Array | Int16Array | Int32Array | Uint8Array;
  switch (name) {
    case "matmul":
      out = matmul(i8(0), i8(1), i32(2), i32(3), i32(4), p.M, p.N, p.K);
      break;
    case "conv2d":
      out = conv2d(i8(0), i8(1), i32(2), i32(3), i32(4), p);
      break;
    case "maxpool":
    case "avgpool":
      out = pool(name === "maxpool" ? "max" : "avg", i8(0), p);
      break;
    case "add":
      expectLength("add", "a", x(0), p.n);
      out = add(i8(0), i8(1), p.mA, p.mB, p.s);
      break;
    case "mul":
      expectLength("mul", "a", x(0), p.n);
      out = mul(i8(0), i8(1), p.m, p.s);
      break;
    case "relu":
      expectLength("relu", "x", x(0), p.n);
      out = relu(i8(0));
      break;
    case "lut":
      expectLength("lut", "x", x(0), p.n);
      out = lut(i8(0), i8(1));
      break;
    case "softmax":
      out = softmax(i8(0), i32(1), p.R, p.L);
      break;
    case "norm":
      out = norm(i8(0), i8(1), i32(2), p);
      break;
    case "gather":
      expectLength("gather", "ids", x(1), 4 * p.T);
      out = gather(i8(0), i32(1), p.V, p.D);
      break;
    case "rotary":
      out = rotary(i8(0), i16(1), i16(2), p);
      break;
    case "attention":
      out = attention(i8(0), i8(1), i8(2), i32(3), p);
      break;
    case "argmax":
      out = argmax(i8(0), p.R, p.L);
      break;
    case "requant":
      out = requantTensor(i32(0), i32(1), i32(2), p.R, p.C);
      break;
    case "transpose":
      out = transpose(u8(0), p.R, p.C, p.E);
      break;
    case "concat":
      out = concat(u8(0), u8(1), p.O, p.A, p.B);
      break;
    case "slice":
      out = slice(u8(0), p.O, p.I, p.start, p.len);
      break;
    case "copy":
      expectLength("copy", "x", x(0), p.n);
      out = u8(0);
      break;
    case "genInit":
      out = genInit(i32(0), p);
      break;
    case "genSample":
      out = genSample(i32(0), i8(1), i32(2), p);
      break;
    case "attnCache":
      out = attnCache(i8(0), i8(1), i8(2), i32(3), p);
      break;
    default:
      out = runInt16Node(op, inputs, params);
  }
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  if (bytes.length !== outLen) throw new Error(`${name}: reference produced ${bytes.length} bytes, expected ${outLen}`);
  return bytes;
}
