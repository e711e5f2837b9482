"""Prints a Markdown table of the ONNX op types (node counts) in each file under onnx/.

    /usr/bin/python3 dnn-lib/models/train/ops.py [DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else common.OUT_DIR
    paths = sorted(os.path.relpath(os.path.join(d, f), root)
                   for d, _, files in os.walk(root) for f in files if f.endswith(".onnx"))
    print("| file | bytes | nodes | ops |")
    print("| ---- | ----- | ----- | --- |")
    for rel in paths:
        counts = common.op_counts(os.path.join(root, rel))
        ops = ", ".join(f"{op} {n}" for op, n in counts.items())
        print(f"| `{rel}` | {os.path.getsize(os.path.join(root, rel)):,} | {sum(counts.values())} | {ops} |")


if __name__ == "__main__":
    main()
