/**
 * The real data the trained models of models/train are measured on: Fashion-MNIST images from
 * Debian's dataset-fashion-mnist (train split for calibration, test split for evaluation), and
 * English text from Debian's fortunes (`wisdom`, the language model's held-out file). Without
 * the packages, seeded synthetic images and a built-in passage stand in, flagged `real: false`.
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Rng } from "../../common/rng.ts";
import type { Feeds } from "../src/onnx/ort.ts";

export const FMNIST_DIR = "/usr/share/datasets/fashion-mnist";
export const HELD_OUT_TEXT = "/usr/share/games/fortunes/wisdom";

/** The normalisation the Fashion-MNIST exports were trained with (their sidecars): (p/255 − 0.286)/0.353. */
const normalise = (p: number) => (p / 255 - 0.286) / 0.353;

export type Split = "train" | "test";

export interface Samples {
  feeds: Feeds[];
  /** The true classes, for real images only. */
  labels?: number[];
  /** Whether the inputs are the real data set (else generated). */
  real: boolean;
}

const idx = new Map<string, Buffer>();
function readIdx(file: string): Buffer {
  let b = idx.get(file);
  if (!b) idx.set(file, (b = gunzipSync(readFileSync(file))));
  return b;
}

function splitFiles(split: Split): { images: string; labels: string } {
  const stem = split === "train" ? "train" : "t10k";
  return { images: `${FMNIST_DIR}/${stem}-images-idx3-ubyte.gz`, labels: `${FMNIST_DIR}/${stem}-labels-idx1-ubyte.gz` };
}

/** Whether the Fashion-MNIST files are installed. */
export function hasFashionMnist(): boolean {
  const f = [splitFiles("train"), splitFiles("test")];
  return f.every((s) => existsSync(s.images) && existsSync(s.labels));
}

/** The number of images in a split (60,000 train, 10,000 test). */
export const SPLIT_SIZE: Record<Split, number> = { train: 60_000, test: 10_000 };

/**
 * `count` images of `split` starting at image `offset`, as the models' `input` feeds
 * ([1, 1, 28, 28] floats, normalised), with their labels. Synthetic (seeded by split and offset)
 * when the data set is not installed.
 */
export function fashionMnist(split: Split, count: number, offset = 0): Samples {
  if (offset < 0 || count < 0 || offset + count > SPLIT_SIZE[split])
    throw new RangeError(`images [${offset}, ${offset + count}) are outside the ${split} split`);
  if (hasFashionMnist()) {
    const files = splitFiles(split);
    const img = readIdx(files.images);
    const lab = readIdx(files.labels);
    const feeds = Array.from({ length: count }, (_, i) => {
      const at = 16 + (offset + i) * 784;
      return { input: { dims: [1, 1, 28, 28], data: Float32Array.from(img.subarray(at, at + 784), normalise) } };
    });
    return { feeds, labels: Array.from(lab.subarray(8 + offset, 8 + offset + count)), real: true };
  }
  const rng = new Rng((split === "train" ? 0xf3a5 : 0x7e57) + offset);
  const feeds = Array.from({ length: count }, () => ({
    input: { dims: [1, 1, 28, 28], data: Float32Array.from({ length: 784 }, () => normalise(rng.below(256))) },
  }));
  return { feeds, real: false };
}

/** `count` training images drawn with `seed` (distinct, in draw order): the calibration inputs. */
export function fashionMnistCalibration(seed: number, count: number): Samples {
  const rng = new Rng(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(count, SPLIT_SIZE.train)) picked.add(rng.below(SPLIT_SIZE.train));
  const one = [...picked].map((i) => fashionMnist("train", 1, i));
  const labels = one.flatMap((s) => s.labels ?? []);
  return {
    feeds: one.flatMap((s) => s.feeds),
    real: one.every((s) => s.real),
    ...(labels.length === one.length && { labels }),
  };
}

const PASSAGE =
  "The best way to predict the future is to invent it. A man who does not read has no advantage over one who cannot read. " +
  "Whatever you are, be a good one. Life is what happens to you while you are busy making other plans. ";

/** The held-out text (fortunes' `wisdom`), or the built-in passage when fortunes is not installed. */
export function heldOutText(): { bytes: Uint8Array; real: boolean } {
  if (existsSync(HELD_OUT_TEXT)) return { bytes: new Uint8Array(readFileSync(HELD_OUT_TEXT)), real: true };
  return { bytes: new TextEncoder().encode(PASSAGE), real: false };
}

/** `count` consecutive `length`-byte windows of the held-out text from `offset` windows in, as `input_ids` feeds. */
export function textWindows(count: number, offset = 0, length = 128): Samples {
  const held = heldOutText();
  let text = held.bytes;
  while (text.length < (offset + count) * length) text = new Uint8Array([...text, ...text]);
  const feeds = Array.from({ length: count }, (_, i) => ({
    input_ids: {
      dims: [1, length],
      data: BigInt64Array.from(text.subarray((offset + i) * length, (offset + i + 1) * length), BigInt),
    },
  }));
  return { feeds, real: held.real };
}
