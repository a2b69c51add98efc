#!/usr/bin/python3
"""Writes the small branching ONNX models (residual Add, Sub, Concat) the RTL
back-end's branch tests use (tests/it/rtl_branch.sh).

Run with Debian's interpreter (it has onnx and numpy):
    /usr/bin/python3 tests/models/gen/make_branch_models.py
Outputs go beside this script (branch_*.onnx). A separate script from
make_models.py so that regenerating these never rewrites the other models
(generated RTL names the source model's sha256). Weights are fixed and
deterministic (a seeded generator).
"""
import os
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def w(name, shape, scale=0.5):
    return numpy_helper.from_array((scale * rng.standard_normal(shape)).astype(np.float32), name)


def save(name, nodes, inputs, outputs, inits):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, producer_name="fogforge-tests", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


def dense(x, wn, bn, y, name):
    return [helper.make_node("MatMul", [x, wn], [y + "_mm"], name=name + "_mm"),
            helper.make_node("Add", [y + "_mm", bn], [y], name=name)]


# residual block: x -> Dense 6x8 ReLU -> Dense 8x6 -> Add(skip x) ReLU -> Dense 6x3
save("branch_residual",
     dense("x", "W1", "B1", "h1", "fc1") + [helper.make_node("Relu", ["h1"], ["r1"], name="relu1")] +
     dense("r1", "W2", "B2", "h2", "fc2") +
     [helper.make_node("Add", ["h2", "x"], ["s"], name="res_add"),
      helper.make_node("Relu", ["s"], ["rs"], name="res_relu")] +
     dense("rs", "W3", "B3", "y", "fc3"),
     [vi("x", [1, 6])], [vi("y", [1, 3])],
     [w("W1", [6, 8]), w("B1", [8], 0.1), w("W2", [8, 6]), w("B2", [6], 0.1), w("W3", [6, 3]),
      w("B3", [3], 0.1)])

# Sub with a fused table activation: y = tanh(x - relu(Dense 6x6 x))
save("branch_sub",
     dense("x", "W1", "B1", "h1", "fc1") +
     [helper.make_node("Relu", ["h1"], ["r1"], name="relu1"),
      helper.make_node("Sub", ["x", "r1"], ["d"], name="diff"),
      helper.make_node("Tanh", ["d"], ["y"], name="tanh")],
     [vi("x", [1, 6])], [vi("y", [1, 6])],
     [w("W1", [6, 6]), w("B1", [6], 0.1)])

# Concat of branches of different widths and depths, and the input itself:
# [Dense 8x6 ReLU | Dense 8x3 ReLU -> Dense 3x5 | x] -> Dense 19x4
save("branch_concat",
     dense("x", "Wa", "Ba", "a", "fca") + [helper.make_node("Relu", ["a"], ["ra"], name="relua")] +
     dense("x", "Wb", "Bb", "b", "fcb") + [helper.make_node("Relu", ["b"], ["rb"], name="relub")] +
     dense("rb", "Wc", "Bc", "c", "fcc") +
     [helper.make_node("Concat", ["ra", "c", "x"], ["cat"], name="cat", axis=1)] +
     dense("cat", "Wd", "Bd", "y", "fcd"),
     [vi("x", [1, 8])], [vi("y", [1, 4])],
     [w("Wa", [8, 6]), w("Ba", [6], 0.1), w("Wb", [8, 3]), w("Bb", [3], 0.1), w("Wc", [3, 5]),
      w("Bc", [5], 0.1), w("Wd", [19, 4]), w("Bd", [4], 0.1)])

# Conv2D residual and concat (NCHW, 2 channels of 3x3): c = relu(conv3x3(x));
# s = c + x; y = GlobalAveragePool(concat(s, maxpool(c)) on channels)
save("branch_conv",
     [helper.make_node("Conv", ["x", "Wc", "Bc"], ["c0"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
      helper.make_node("Relu", ["c0"], ["c"], name="crelu"),
      helper.make_node("Add", ["c", "x"], ["s"], name="res_add"),
      helper.make_node("MaxPool", ["c"], ["m"], name="mp", kernel_shape=[3, 3], strides=[1, 1],
                       pads=[1, 1, 1, 1]),
      helper.make_node("Concat", ["s", "m"], ["cc"], name="cat", axis=1),
      helper.make_node("GlobalAveragePool", ["cc"], ["gp"], name="gap"),
      helper.make_node("Flatten", ["gp"], ["y"], name="flat", axis=1)],
     [vi("x", [1, 2, 3, 3])], [vi("y", [1, 4])],
     [w("Wc", [2, 2, 3, 3]), w("Bc", [2], 0.1)])
