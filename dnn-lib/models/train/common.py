"""Shared pieces of the training scripts: seeding, threads, the Fashion-MNIST files, ONNX export
and the JSON sidecars. Data come only from Debian packages; nothing is downloaded."""
import gzip
import hashlib
import json
import os
import random
import time
from collections import Counter

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "onnx")
VARIANT_DIR = os.path.join(OUT_DIR, "variants")

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
# Images enter every Fashion-MNIST model as (pixel / 255 - MEAN) / STD, float32 [1, 1, 28, 28].
FMNIST_MEAN = 0.2860
FMNIST_STD = 0.3530
FMNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def setup(seed: int, threads: int) -> None:
    """Same seed and thread count on this machine -> the same weights, bit for bit."""
    torch.set_num_threads(threads)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def blas_library() -> str:
    """The BLAS that Debian's libtorch resolves through the alternatives system (it sets the speed,
    and the last bits of the float results)."""
    return os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _read_idx(path: str) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fmnist_files(split: str) -> tuple:
    prefix = "train" if split == "train" else "t10k"
    return (os.path.join(FMNIST_DIR, f"{prefix}-images-idx3-ubyte.gz"),
            os.path.join(FMNIST_DIR, f"{prefix}-labels-idx1-ubyte.gz"))


def load_fmnist(split: str) -> tuple:
    """(images float32 [N, 1, 28, 28] normalised as the models expect, labels int64 [N])."""
    img_path, lbl_path = fmnist_files(split)
    images = _read_idx(img_path).astype(np.float32) / 255.0
    images = (images - FMNIST_MEAN) / FMNIST_STD
    labels = _read_idx(lbl_path).astype(np.int64)
    return torch.from_numpy(images).unsqueeze(1).contiguous(), torch.from_numpy(labels)


def export_onnx(model: torch.nn.Module, args: tuple, path: str, input_names: list, output_names: list,
                opset: int, fold: bool = True) -> None:
    """Exports an eval-mode model with fixed shapes (no dynamic axes), then clears the doc string
    (it would name this machine's paths), so that a rerun writes the same bytes.

    fold=True: do_constant_folding and TrainingMode.EVAL (the exporter's eval peephole also fuses
    BatchNorm into the Conv before it). fold=False: neither, TrainingMode.PRESERVE on the eval-mode
    model, so BatchNormalization and the shape arithmetic stay nodes."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, args, path, input_names=input_names, output_names=output_names,
                          opset_version=opset, do_constant_folding=fold,
                          training=torch.onnx.TrainingMode.EVAL if fold else torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.doc_string = ""
    onnx.save(m, path)


def op_counts(path: str) -> dict:
    m = onnx.load(path)
    return dict(sorted(Counter(n.op_type for n in m.graph.node).items()))


def io_spec(path: str) -> dict:
    """Names, element types and shapes of an ONNX file's graph inputs and outputs."""
    m = onnx.load(path)

    def spec(values):
        out = []
        for v in values:
            t = v.type.tensor_type
            out.append({"name": v.name, "dtype": onnx.TensorProto.DataType.Name(t.elem_type).lower(),
                        "shape": [d.dim_value for d in t.shape.dim]})
        return out

    return {"inputs": spec(m.graph.input), "outputs": spec(m.graph.output)}


def file_entry(path: str, out_dir: str, opset: int, fold: bool) -> dict:
    return {"file": os.path.relpath(path, out_dir), "bytes": os.path.getsize(path), "opset": opset,
            "constant_folding": fold, **io_spec(path), "ops": op_counts(path)}


def write_sidecar(path: str, sidecar: dict) -> None:
    with open(path, "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")


def environment(seed: int, threads: int, timer: "Timer") -> dict:
    """train_seconds is wall time (it grows when other work shares the cores); train_cpu_seconds is
    this process's CPU time over the same span."""
    return {"seed": seed, "threads": threads, "train_seconds": round(timer.seconds(), 1),
            "train_cpu_seconds": round(timer.cpu_seconds(), 1),
            "torch": torch.__version__, "onnx": onnx.__version__, "blas": blas_library()}


class Timer:
    def __init__(self):
        self.start = time.time()
        self.cpu_start = time.process_time()
        self.stopped = None

    def stop(self) -> None:
        self.stopped = (time.time(), time.process_time())

    def seconds(self) -> float:
        return (self.stopped[0] if self.stopped else time.time()) - self.start

    def cpu_seconds(self) -> float:
        return (self.stopped[1] if self.stopped else time.process_time()) - self.cpu_start
