"""Writes single-layer ONNX models (one Dense or Conv layer and its ReLU, random normal
weights from a fixed seed) for single_layers.sh, one line per model: FILE REUSE.
usage: python3 single_layers.py OUTDIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# name, input shape, weight shape (Dense: [in, out]; Conv: [out, in, k...]), reuse, seed.
# The first eight chose the rule on products a cycle (docs/surrogates.md, session 33); the
# next twelve were drawn after it, the last seven after those, at R >= 10.
DESIGNS = [
    ("d16x64", [16], [16, 64], 8, 1), ("d64x32", [64], [64, 32], 8, 2),
    ("d32x32", [32], [32, 32], 4, 3), ("d100x20", [100], [100, 20], 10, 4),
    ("d24x48", [24], [24, 48], 2, 5), ("d40x10", [40], [40, 10], 5, 6),
    ("d12x30", [12], [12, 30], 3, 7), ("d48x16", [48], [48, 16], 6, 8),
    ("d20x40", [20], [20, 40], 4, 11), ("d56x24", [56], [56, 24], 7, 12),
    ("d10x100", [10], [10, 100], 2, 13), ("d72x12", [72], [72, 12], 6, 14),
    ("d30x60", [30], [30, 60], 10, 15), ("d128x8", [128], [128, 8], 8, 16),
    ("d36x36", [36], [36, 36], 9, 17), ("d8x64", [8], [8, 64], 2, 18),
    ("c1a", [4, 6], [6, 4, 3], 3, 21), ("c1b", [8, 5], [8, 8, 3], 4, 22),
    ("c1c", [6, 5], [8, 6, 2], 2, 23), ("c2a", [3, 4, 4], [6, 3, 3, 3], 9, 24),
    ("e40x30", [40], [40, 30], 10, 31), ("e60x20", [60], [60, 20], 12, 32),
    ("e48x40", [48], [48, 40], 16, 33), ("e64x16", [64], [64, 16], 16, 34),
    ("e20x50", [20], [20, 50], 10, 35), ("e80x12", [80], [80, 12], 20, 36),
    ("f1a", [12, 6], [8, 12, 3], 12, 37),
]


def model(name, xs, ws, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.3, ws).astype(np.float32)
    conv = len(ws) > 2
    b = rng.normal(0, 0.1, ws[0] if conv else ws[1]).astype(np.float32)
    if conv:
        out = [1, ws[0]] + [xs[i + 1] - ws[i + 2] + 1 for i in range(len(xs) - 1)]
        nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], name="conv"),
                 helper.make_node("Relu", ["c"], ["y"], name="relu")]
        xin = [1] + xs
    else:
        out = ["N", ws[1]]
        nodes = [helper.make_node("MatMul", ["x", "W"], ["m"], name="fc"),
                 helper.make_node("Add", ["m", "B"], ["h"], name="fc_bias"),
                 helper.make_node("Relu", ["h"], ["y"], name="relu")]
        xin = ["N"] + xs
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, xin)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out)],
                          [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


def main():
    out = sys.argv[1]
    for name, xs, ws, reuse, seed in DESIGNS:
        path = os.path.join(out, name + ".onnx")
        onnx.save(model(name, xs, ws, seed), path)
        print(path, reuse)


if __name__ == "__main__":
    main()
