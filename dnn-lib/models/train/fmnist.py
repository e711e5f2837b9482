"""Fashion-MNIST classifiers (Debian's dataset-fashion-mnist), trained on the 60k training split,
evaluated on the 10k test split and exported to ONNX in eval mode.

    /usr/bin/python3 dnn-lib/models/train/fmnist.py --model mlp|cnn|mlp-small|cnn-gap [--threads N]

mlp and cnn write onnx/fmnist_<model>.{onnx,json} plus a re-export of the same weights into
onnx/variants/ (the MLP at opset 17, where LayerNorm is one LayerNormalization node; the CNN without
constant folding, where BatchNormalization stays a node); mlp-small and cnn-gap are other layer
sizes, written to onnx/variants/. `--opset N` (repeatable) also exports the trained weights at
opset N as onnx/variants/fmnist_<model>_opset<N>.onnx. Every model takes `input` float32 [1, 1, 28, 28] holding
(pixel / 255 - 0.2860) / 0.3530.
"""
import argparse
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

OPSET = 14


class MLP(nn.Module):
    """Flatten -> Linear -> LayerNorm -> GELU -> Dropout -> Linear -> ReLU -> Linear (-> Softmax)."""

    def __init__(self, hidden1: int, hidden2: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(), nn.Linear(28 * 28, hidden1), nn.LayerNorm(hidden1), nn.GELU(), nn.Dropout(0.2),
            nn.Linear(hidden1, hidden2), nn.ReLU(), nn.Linear(hidden2, 10))

    def forward(self, x):
        return self.body(x)


class CNN(nn.Module):
    """[Conv3x3 -> BatchNorm -> ReLU -> MaxPool2] x 2 -> Flatten -> Linear -> ReLU -> Dropout -> Linear."""

    def __init__(self, c1: int, c2: int, hidden: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, hidden), nn.ReLU(), nn.Dropout(0.3), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.body(x)


class GapCNN(nn.Module):
    """Three Conv3x3/BatchNorm/ReLU blocks (max-pooling after the first two) -> AdaptiveAvgPool2d(1)
    -> Flatten -> Linear."""

    def __init__(self, c1: int, c2: int, c3: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 3, padding=1), nn.BatchNorm2d(c3), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c3, 10))

    def forward(self, x):
        return self.body(x)


class WithSoftmax(nn.Module):
    """Trained on logits with cross-entropy; exported with the Softmax a deployed classifier ends in."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        return F.softmax(self.net(x), dim=-1)


# name: (builder, description, epochs, lr, output name, softmax in the export, variant re-export)
MODELS = {
    "mlp": (lambda: MLP(256, 128), "Flatten, Linear 784->256, LayerNorm, GELU, Dropout 0.2, Linear 256->128, "
            "ReLU, Linear 128->10, Softmax", 15, 1e-3, "probs", True, ("opset17", 17, True)),
    "cnn": (lambda: CNN(16, 32, 128), "Conv 1->16 3x3, BatchNorm, ReLU, MaxPool 2, Conv 16->32 3x3, BatchNorm, "
            "ReLU, MaxPool 2, Flatten, Linear 1568->128, ReLU, Dropout 0.3, Linear 128->10",
            8, 2e-3, "logits", False, ("nofold", OPSET, False)),
    "mlp-small": (lambda: MLP(128, 64), "Flatten, Linear 784->128, LayerNorm, GELU, Dropout 0.2, "
                  "Linear 128->64, ReLU, Linear 64->10, Softmax", 10, 1e-3, "probs", True, None),
    "cnn-gap": (lambda: GapCNN(8, 16, 32), "Conv 1->8, BatchNorm, ReLU, MaxPool 2, Conv 8->16, BatchNorm, "
                "ReLU, MaxPool 2, Conv 16->32, BatchNorm, ReLU, AdaptiveAvgPool 1x1, Flatten, Linear 32->10",
                8, 3e-3, "logits", False, None),
}


def accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, images.shape[0], 1000):
            correct += int((net(images[i: i + 1000]).argmax(-1) == labels[i: i + 1000]).sum())
    return correct / images.shape[0]


def train(net: nn.Module, images, labels, test_images, test_labels, epochs: int, lr: float, seed: int,
          batch: int = 128) -> None:
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(images.shape[0] / batch)
    total = epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
    gen = torch.Generator().manual_seed(seed)
    timer = common.Timer()
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(images.shape[0], generator=gen)
        running = 0.0
        for i in range(0, images.shape[0], batch):
            idx = perm[i: i + batch]
            loss = F.cross_entropy(net(images[idx]), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            running += loss.item() * idx.numel()
        acc = accuracy(net, test_images, test_labels)
        print(f"epoch {epoch + 1}/{epochs} train loss {running / images.shape[0]:.4f} "
              f"test accuracy {acc:.4f} {timer.seconds():.0f}s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=0, help="default: the model's own")
    ap.add_argument("--out", default=common.OUT_DIR)
    ap.add_argument("--opset", type=int, action="append", default=[], choices=range(13, 18), metavar="N",
                    help="also export the trained weights at opset N (13-17, repeatable) as "
                         "variants/<stem>_opset<N>.onnx, listed in the sidecar")
    args = ap.parse_args()

    build, description, epochs, lr, out_name, softmax, variant = MODELS[args.model]
    epochs = args.epochs or epochs
    common.setup(args.seed, args.threads)
    images, labels = common.load_fmnist("train")
    test_images, test_labels = common.load_fmnist("test")
    net = build()
    n_params = sum(p.numel() for p in net.parameters())
    print(f"{args.model}: {n_params} parameters; {description}", flush=True)

    timer = common.Timer()
    train(net, images, labels, test_images, test_labels, epochs, lr, args.seed)
    timer.stop()
    train_seconds = timer.seconds()
    acc = accuracy(net, test_images, test_labels)
    print(f"trained in {train_seconds:.0f}s ({timer.cpu_seconds():.0f}s CPU); float test accuracy {acc:.4f}", flush=True)

    exported = (WithSoftmax(net) if softmax else net).eval()
    stem = "fmnist_" + args.model.replace("-", "_")
    main_dir = args.out if variant else os.path.join(args.out, "variants")
    path = os.path.join(main_dir, stem + ".onnx")
    example = test_images[:1]
    common.export_onnx(exported, (example,), path, ["input"], [out_name], OPSET)
    exports = {"main": common.file_entry(path, args.out, OPSET, True)}
    if variant:
        tag, opset, fold = variant
        vpath = os.path.join(args.out, "variants", f"{stem}_{tag}.onnx")
        common.export_onnx(exported, (example,), vpath, ["input"], [out_name], opset, fold)
        exports[tag] = common.file_entry(vpath, args.out, opset, fold)
    for opset in args.opset:
        vpath = os.path.join(args.out, "variants", f"{stem}_opset{opset}.onnx")
        common.export_onnx(exported, (example,), vpath, ["input"], [out_name], opset)
        exports[f"opset{opset}"] = common.file_entry(vpath, args.out, opset, True)

    # The first test images' outputs, for a consumer to check its float run against.
    with torch.no_grad():
        first = exported(test_images[:8])
    img_path, lbl_path = common.fmnist_files("test")
    sidecar = {
        "model": f"Fashion-MNIST {args.model}",
        "architecture": description,
        "parameters": n_params,
        "float_test_accuracy": round(acc, 4),
        "test_split": {"images": img_path, "labels": lbl_path, "count": int(test_images.shape[0])},
        "train_split": {"images": common.fmnist_files("train")[0], "count": int(images.shape[0])},
        "normalisation": {"formula": "(pixel / 255 - mean) / std", "mean": common.FMNIST_MEAN,
                          "std": common.FMNIST_STD, "layout": "NCHW float32 [1, 1, 28, 28], row-major pixels"},
        "classes": common.FMNIST_CLASSES,
        "output": "class probabilities (Softmax)" if softmax else "class logits",
        "exports": exports,
        "reference": {"test_indices": list(range(8)), "labels": [int(v) for v in test_labels[:8]],
                      "predicted": [int(v) for v in first.argmax(-1)],
                      out_name: [[round(float(v), 5) for v in row] for row in first]},
        "training": {"epochs": epochs, "batch": 128, "optimizer": "AdamW", "lr": lr, "weight_decay": 1e-4,
                     "schedule": "cosine to 0 per step", "augmentation": "none"},
        **common.environment(args.seed, args.threads, timer),
    }
    common.write_sidecar(os.path.join(main_dir, stem + ".json"), sidecar)
    for e in exports.values():
        print(f"{e['file']}: {e['bytes']} bytes, ops {e['ops']}", flush=True)


if __name__ == "__main__":
    main()
