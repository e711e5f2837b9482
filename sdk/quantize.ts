/**
 * A model's real-valued interface, from its model file (docs/model-format.md): `readModelScales`
 * loads the file (every check of dnn-lib's loader) and keeps what a dapp needs; `quantizeInput`
 * turns float inputs into the int8 input bytes by the model's input scale, `dequantizeOutput` an
 * int8 output back into floats by its output scale.
 */
import { hexToBytes, type Hex } from "viem";
import { decodeModel } from "../dnn-lib/src/model/modelFile.ts";
import { dequantizeI8, quantizeI8 } from "../dnn-lib/src/onnx/quantMath.ts";
import { MalformedInputError } from "./errors.ts";

/** What a client needs to talk to a model in floats: its input length and the value of one LSB each way. */
export interface ModelScales {
  name: string;
  /** Input bytes (int8 elements). */
  inputLength: number;
  /** The real value of one input LSB. */
  inputScale: number;
  /** The real value of one output LSB. */
  outputScale: number;
}

/** The scales of a model file's bytes; the loader's typed errors (`ModelFormatError`, ...) for a bad file. */
export function readModelScales(file: Uint8Array): ModelScales {
  const { name, inputLength, inputScale, outputScale } = decodeModel(file);
  return { name, inputLength, inputScale, outputScale };
}

/**
 * The int8 input bytes for real `values`: each divided by the input scale, rounded half away from
 * zero and saturated to [-128, 127] (as the model's own quantizer). {@link MalformedInputError} for
 * a wrong count or a value that is not a finite number.
 */
export function quantizeInput(model: ModelScales, values: ArrayLike<number>): Uint8Array {
  if (values.length !== model.inputLength)
    throw new MalformedInputError(`${values.length} values, model "${model.name}" takes ${model.inputLength}`, {
      expected: BigInt(model.inputLength),
      actual: BigInt(values.length),
    });
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new MalformedInputError(`input value ${i} is ${v}, not a finite number`);
  }
  const q = quantizeI8(values, model.inputScale);
  return new Uint8Array(q.buffer, q.byteOffset, q.length);
}

/** The real values of an int8 output (hex as `waitForResult` answers it, or bytes): each code times the output scale. */
export function dequantizeOutput(model: ModelScales, output: Hex | Uint8Array): Float32Array {
  const bytes = typeof output === "string" ? hexToBytes(output) : output;
  return dequantizeI8(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length), model.outputScale);
}
