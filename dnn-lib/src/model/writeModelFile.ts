/**
 * Writes a model file (docs/model-format.md) to disk chunk by chunk, the checksum computed as it
 * goes: the same bytes as `encodeModel`, without ever holding the file in one buffer, so a model
 * of more than 4 GiB of weights (several weights sections) can be written.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { keccak256Stream } from "../../../commitment/hash.ts";
import type { Model } from "./Model.ts";
import { MAX_SECTION_BYTES, modelFileBody } from "./modelFile.ts";

/** Writes `model` to `path`; returns the file's length in bytes. */
export async function writeModelFile(path: string, model: Model, maxSection = MAX_SECTION_BYTES): Promise<number> {
  const body = modelFileBody(model, maxSection);
  const sum = await keccak256Stream();
  const fd = openSync(path, "w");
  let length = 0;
  try {
    for (const chunk of [...body, undefined]) {
      const bytes = chunk ?? sum.digest();
      if (chunk) sum.update(chunk);
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, Math.min(bytes.length - at, 1 << 30));
      length += bytes.length;
    }
  } finally {
    closeSync(fd);
  }
  return length;
}
