#!/usr/bin/python3
"""Writes the small ONNX models the front-end unit tests use (good and bad).

Run with Debian's interpreter (it has onnx and numpy):
    /usr/bin/python3 tests/models/gen/make_models.py
Outputs go beside this script. Weights are fixed, small, and deterministic so
the tests can check them by value.
"""
import os
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.dirname(os.path.abspath(__file__))


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def arr(shape, start=0.0, step=0.5):
    n = int(np.prod(shape))
    return (start + step * np.arange(n, dtype=np.float32)).reshape(shape)


def save(name, nodes, inputs, outputs, inits=(), opset=13, check=True):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, producer_name="fogforge-tests",
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    if check:
        onnx.checker.check_model(m)
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


def typed(name, a):
    """Initializer in the typed float_data field (not raw_data)."""
    return helper.make_tensor(name, TensorProto.FLOAT, a.shape, a.flatten().tolist(), raw=False)


# --- good models --------------------------------------------------------------

# Gemm with raw_data weights, transB=1, alpha/beta, and a MatMul with typed weights.
W1 = arr([3, 4], -1.0, 0.25)          # [n_out, n_in] for transB=1
C1 = np.array([0.5, -0.5, 1.0], np.float32)
W2 = arr([3, 2], 1.0, -0.5)           # [n_in, n_out] for MatMul
save("dense_mixed", [
    helper.make_node("Gemm", ["x", "W1", "C1"], ["h"], name="fc1", alpha=2.0, beta=3.0, transB=1),
    helper.make_node("Tanh", ["h"], ["t"], name="tanh"),
    helper.make_node("MatMul", ["t", "W2"], ["y"], name="fc2"),
], [vi("x", ["N", 4])], [vi("y", ["N", 2])],
    [numpy_helper.from_array(W1, "W1"), numpy_helper.from_array(C1, "C1"), typed("W2", W2)])

# Constant nodes, Sub/Mul by constants (both operand orders), opset-13 Clip and
# Squeeze/Unsqueeze with constant inputs, LeakyRelu/Elu/Selu, folded Transpose
# and Reshape of initializers.
K = arr([2, 3], 0.0, 1.0)
save("consts_op13", [
    helper.make_node("Constant", [], ["cvec"], name="cvec",
                     value=numpy_helper.from_array(np.array([1.0, 2.0, 3.0], np.float32))),
    helper.make_node("Constant", [], ["two"], name="two", value_float=2.0),
    helper.make_node("Constant", [], ["lo"], name="lo", value=numpy_helper.from_array(np.array(-1.0, np.float32))),
    helper.make_node("Constant", [], ["ax"], name="ax", value=numpy_helper.from_array(np.array([2], np.int64))),
    helper.make_node("Constant", [], ["ax0"], name="ax0", value=numpy_helper.from_array(np.array([0], np.int64))),
    helper.make_node("Transpose", ["K"], ["KT"], name="fold_t"),             # [3,2] constant
    helper.make_node("Reshape", ["KT", "shp"], ["KR"], name="fold_r"),       # [3,2] -> [3,2]
    helper.make_node("Sub", ["x", "cvec"], ["a"], name="sub_xc"),
    helper.make_node("Sub", ["cvec", "a"], ["b"], name="sub_cx"),
    helper.make_node("Mul", ["b", "two"], ["c"], name="mul_c"),
    helper.make_node("Clip", ["c", "lo", ""], ["d"], name="clip"),
    helper.make_node("Unsqueeze", ["d", "ax"], ["e"], name="unsq"),           # [1,3,1]
    helper.make_node("Squeeze", ["e", "ax"], ["f"], name="sq"),               # [1,3]
    helper.make_node("LeakyRelu", ["f"], ["g"], name="leaky", alpha=0.2),
    helper.make_node("Elu", ["g"], ["h"], name="elu"),
    helper.make_node("Selu", ["h"], ["i"], name="selu"),
    helper.make_node("MatMul", ["i", "KR"], ["y"], name="fc"),
], [vi("x", [1, 3])], [vi("y", [1, 2])],
    [numpy_helper.from_array(K, "K"), numpy_helper.from_array(np.array([3, 2], np.int64), "shp")])

# Conv2D: depthwise with SAME_UPPER padding and stride 2, then a plain conv
# with explicit pads, pools, global pool, Flatten, Softmax; also Add of two
# activations and Concat.
Wd = arr([4, 1, 3, 3], -1.0, 0.05)     # depthwise, channel multiplier 2 (C_in=2, M=4)
Bd = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
Wc = arr([3, 4, 2, 2], 0.5, -0.01)
save("conv2d_mix", [
    helper.make_node("Conv", ["x", "Wd", "Bd"], ["c1"], name="dw", group=2, kernel_shape=[3, 3],
                     strides=[2, 2], auto_pad="SAME_UPPER"),                        # [1,4,4,3]
    helper.make_node("Relu", ["c1"], ["r1"], name="r1"),
    helper.make_node("Conv", ["r1", "Wc"], ["c2"], name="pw", pads=[1, 0, 0, 1]),    # [1,3,4,3]
    helper.make_node("MaxPool", ["c2"], ["p1"], name="mp", kernel_shape=[2, 2], strides=[1, 1]),  # [1,3,3,2]
    helper.make_node("AveragePool", ["c2"], ["p2"], name="ap", kernel_shape=[2, 2], strides=[1, 1],
                     pads=[0, 0, 0, 0], count_include_pad=1),                      # [1,3,3,2]
    helper.make_node("Add", ["p1", "p2"], ["s"], name="add"),
    helper.make_node("Concat", ["s", "p1"], ["cc"], name="cat", axis=1),             # [1,6,3,2]
    helper.make_node("GlobalAveragePool", ["cc"], ["gp"], name="gap"),               # [1,6,1,1]
    helper.make_node("Flatten", ["gp"], ["fl"], name="flat", axis=1),                # [1,6]
    helper.make_node("Softmax", ["fl"], ["y"], name="sm", axis=-1),
], [vi("x", [1, 2, 7, 5])], [vi("y", [1, 6])],
    [numpy_helper.from_array(Wd, "Wd"), numpy_helper.from_array(Bd, "Bd"), typed("Wc", Wc)])

# Conv1D with SAME_LOWER, dilation; BatchNormalization (rank 3, axis 1); GlobalMaxPool.
W1d = arr([2, 3, 3], 0.2, 0.1)
save("conv1d_bn", [
    helper.make_node("Conv", ["x", "W"], ["c"], name="c1d", auto_pad="SAME_LOWER", dilations=[2]),
    helper.make_node("BatchNormalization", ["c", "sc", "bi", "mu", "va"], ["bn"], name="bn", epsilon=1e-3),
    helper.make_node("GlobalMaxPool", ["bn"], ["gm"], name="gmp"),                   # [1,2,1]
    helper.make_node("Reshape", ["gm", "shp"], ["y"], name="rs"),                    # [1,2]
], [vi("x", [1, 3, 6])], [vi("y", [1, 2])],
    [numpy_helper.from_array(W1d, "W"),
     numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "sc"),
     numpy_helper.from_array(np.array([0.5, -0.5], np.float32), "bi"),
     numpy_helper.from_array(np.array([0.1, 0.2], np.float32), "mu"),
     numpy_helper.from_array(np.array([4.0, 0.25], np.float32), "va"),
     numpy_helper.from_array(np.array([-1, 2], np.int64), "shp")])

# Nodes stored in reverse order (valid graph, unordered file); opset 11 Clip
# without bounds; Dropout; Squeeze with opset-11 axes attribute; Scale by a
# [C,1,1] constant against NCHW.
sc = np.array([[[2.0]], [[3.0]]], np.float32)   # [2,1,1]
nodes = [
    helper.make_node("Mul", ["x", "sc"], ["m"], name="mul_chw"),
    helper.make_node("Dropout", ["m"], ["d"], name="drop"),
    helper.make_node("Clip", ["d"], ["cl"], name="clip_nobounds"),
    helper.make_node("GlobalAveragePool", ["cl"], ["g"], name="gap"),
    helper.make_node("Squeeze", ["g"], ["y"], name="sq", axes=[2, 3]),
]
save("unordered_op11", list(reversed(nodes)), [vi("x", ["batch", 2, 3, 3])], [vi("y", ["batch", 2])],
     [numpy_helper.from_array(sc, "sc")], opset=11, check=False)

# io stream (RTL line buffers): channel-last inputs whose Transposes cancel,
# so every layer streams pixels. 2D: 'same' 3x3 conv, 2x2/2 max pool, a
# strided conv with asymmetric padding, an average pool counting its padding,
# a standalone Sigmoid and a BatchNormalization (Scale); the output stays an
# image (one output beat per pixel).
Ws1 = arr([3, 2, 3, 3], -0.4, 0.017)
Bs1 = np.array([0.1, -0.2, 0.05], np.float32)
Ws2 = arr([4, 3, 2, 2], 0.3, -0.013)
save("stream_conv2d", [
    helper.make_node("Transpose", ["x"], ["xt"], name="to_nchw", perm=[0, 3, 1, 2]),
    helper.make_node("Conv", ["xt", "Ws1", "Bs1"], ["c1"], name="conv_same", kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1]),                                           # [1,3,6,7]
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="maxpool", kernel_shape=[2, 2], strides=[2, 2]),  # [1,3,3,3]
    helper.make_node("Conv", ["p1", "Ws2"], ["c2"], name="conv_s2", kernel_shape=[2, 2], strides=[2, 2],
                     pads=[0, 0, 1, 1]),                                           # [1,4,2,2]
    helper.make_node("AveragePool", ["c2"], ["p2"], name="avgpool", kernel_shape=[2, 2], strides=[1, 1],
                     pads=[0, 0, 1, 1], count_include_pad=1),                      # [1,4,2,2]
    helper.make_node("Sigmoid", ["p2"], ["s"], name="sigmoid"),
    helper.make_node("BatchNormalization", ["s", "sc", "bi", "mu", "va"], ["bn"], name="bn", epsilon=1e-3),
    helper.make_node("Transpose", ["bn"], ["y"], name="to_nhwc", perm=[0, 2, 3, 1]),
], [vi("x", [1, 6, 7, 2])], [vi("y", [1, 2, 2, 4])],
    [numpy_helper.from_array(Ws1, "Ws1"), numpy_helper.from_array(Bs1, "Bs1"), numpy_helper.from_array(Ws2, "Ws2"),
     numpy_helper.from_array(np.array([1.0, 2.0, -1.0, 0.5], np.float32), "sc"),
     numpy_helper.from_array(np.array([0.5, -0.5, 0.1, 0.0], np.float32), "bi"),
     numpy_helper.from_array(np.array([0.5, 0.4, 0.6, 0.5], np.float32), "mu"),
     numpy_helper.from_array(np.array([0.1, 0.2, 0.3, 0.4], np.float32), "va")])

# 1D: a strided 'same' Conv1D, LeakyRelu, a 2/2 average pool, a 1x1 conv,
# then Flatten, Dense and Softmax after the collector.
Wt1 = arr([4, 3, 3], -0.5, 0.03)
Wt2 = arr([2, 4, 1], 0.6, -0.15)
Wd1 = arr([6, 3], -0.3, 0.04)
save("stream_conv1d", [
    helper.make_node("Transpose", ["x"], ["xt"], name="to_ncw", perm=[0, 2, 1]),
    helper.make_node("Conv", ["xt", "Wt1"], ["c1"], name="conv1d_s2", kernel_shape=[3], strides=[2],
                     pads=[1, 1]),                                                 # [1,4,6]
    helper.make_node("LeakyRelu", ["c1"], ["l1"], name="leaky", alpha=0.1),
    helper.make_node("AveragePool", ["l1"], ["p1"], name="avgpool1d", kernel_shape=[2], strides=[2]),  # [1,4,3]
    helper.make_node("Conv", ["p1", "Wt2"], ["c2"], name="conv1x1", kernel_shape=[1]),  # [1,2,3]
    helper.make_node("Transpose", ["c2"], ["c2t"], name="to_nwc", perm=[0, 2, 1]),     # [1,3,2]
    helper.make_node("Flatten", ["c2t"], ["f"], name="flatten", axis=1),               # [1,6]
    helper.make_node("MatMul", ["f", "Wd1"], ["d"], name="dense"),                      # [1,3]
    helper.make_node("Softmax", ["d"], ["y"], name="softmax", axis=-1),
], [vi("x", [1, 12, 3])], [vi("y", [1, 3])],
    [numpy_helper.from_array(Wt1, "Wt1"), numpy_helper.from_array(Wt2, "Wt2"), numpy_helper.from_array(Wd1, "Wd1")])

# A 32x32x3 image (io stream only: io parallel would need a multiplier per
# output position): two 'same' 3x3 convs with ReLU and 2x2 max pools; the
# output is an 8x8x8 feature map streamed out one pixel per beat.
Wb1 = arr([8, 3, 3, 3], -0.5, 0.0047)
Wb2 = arr([8, 8, 3, 3], 0.4, -0.0013)
save("stream_conv32", [
    helper.make_node("Transpose", ["x"], ["xt"], name="to_nchw", perm=[0, 3, 1, 2]),
    helper.make_node("Conv", ["xt", "Wb1"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),   # 16x16x8
    helper.make_node("Conv", ["p1", "Wb2"], ["c2"], name="conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
    helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),   # 8x8x8
    helper.make_node("Transpose", ["p2"], ["y"], name="to_nhwc", perm=[0, 2, 3, 1]),
], [vi("x", [1, 32, 32, 3])], [vi("y", [1, 8, 8, 8])],
    [numpy_helper.from_array(Wb1, "Wb1"), numpy_helper.from_array(Wb2, "Wb2")])

# Dense 170 -> 3 (+ ReLU) for RTL revision 5 (tests/it/rtl_cli.sh): at R = 17 each output
# sums 10 products a cycle (a tree with a register stage, tags pc and tc1), except output 0,
# whose weights are zero but at k = 0 mod 10: one multiplier, one product a cycle, its
# first-cycle select a register loaded from pc beside tc1.
WS = (0.05 * np.sin(0.7 * np.arange(170 * 3, dtype=np.float32))).reshape([170, 3]).astype(np.float32)
WS[np.arange(170) % 10 != 0, 0] = 0.0
save("dense_select170", [
    helper.make_node("MatMul", ["x", "WS"], ["m"], name="fc"),
    helper.make_node("Add", ["m", "BS"], ["h"], name="fc_bias"),
    helper.make_node("Relu", ["h"], ["y"], name="relu"),
], [vi("x", ["N", 170])], [vi("y", ["N", 3])],
    [numpy_helper.from_array(WS, "WS"), numpy_helper.from_array(np.array([0.1, -0.2, 0.05], np.float32), "BS")])

# --- bad models ---------------------------------------------------------------

save("bad_missing_init", [
    helper.make_node("MatMul", ["x", "W"], ["y"], name="fc"),
], [vi("x", [1, 4])], [vi("y", [1, 2])], [], check=False)

save("bad_cycle", [
    helper.make_node("Add", ["x", "b"], ["a"], name="n_a"),
    helper.make_node("Relu", ["a"], ["b"], name="n_b"),
    helper.make_node("Relu", ["b"], ["y"], name="n_y"),
], [vi("x", [1, 4])], [vi("y", [1, 4])], [], check=False)

save("bad_gemm_shape", [
    helper.make_node("Gemm", ["x", "W"], ["y"], name="fc_bad"),
], [vi("x", [1, 5])], [vi("y", [1, 2])], [numpy_helper.from_array(arr([4, 2]), "W")], check=False)

# An initializer whose dims claim 2^40 elements (the data is tiny).
big = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20], float_data=[1.0])
save("bad_absurd_dims", [
    helper.make_node("MatMul", ["x", "W"], ["y"], name="fc_big"),
], [vi("x", [1, 4])], [vi("y", [1, 2])], [big], check=False)

# Input with a 2^40 feature dim.
save("bad_absurd_input", [
    helper.make_node("Relu", ["x"], ["y"], name="r"),
], [vi("x", [1, 1 << 20, 1 << 20])], [vi("y", [1, 1 << 20, 1 << 20])], [], check=False)

# Reshape to 2^40 elements through a constant shape.
save("bad_absurd_reshape", [
    helper.make_node("Reshape", ["x", "shp"], ["y"], name="rs_big"),
], [vi("x", [1, 4])], [vi("y", [1, 4])],
    [numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shp")], check=False)

# Element count that does not match the dims.
short = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[4, 2], float_data=[1.0, 2.0, 3.0])
save("bad_count", [
    helper.make_node("MatMul", ["x", "W"], ["y"], name="fc"),
], [vi("x", [1, 4])], [vi("y", [1, 2])], [short], check=False)

save("bad_symbolic", [
    helper.make_node("Relu", ["x"], ["y"], name="r"),
], [vi("x", [1, "features"])], [vi("y", [1, "features"])], [], check=False)

save("bad_opset", [
    helper.make_node("Relu", ["x"], ["y"], name="r"),
], [vi("x", [1, 4])], [vi("y", [1, 4])], [], opset=18, check=False)

save("bad_unsupported", [
    helper.make_node("Relu", ["x"], ["r"], name="r"),
    helper.make_node("Erf", ["r"], ["y"], name="erf_node"),
], [vi("x", [1, 4])], [vi("y", [1, 4])], [])

save("bad_group", [
    helper.make_node("Conv", ["x", "W"], ["y"], name="grouped", group=2),
], [vi("x", [1, 4, 5, 5])], [vi("y", [1, 4, 5, 5])], [numpy_helper.from_array(arr([4, 2, 1, 1]), "W")])

save("bad_ceil", [
    helper.make_node("MaxPool", ["x"], ["y"], name="mp_ceil", kernel_shape=[2, 2], ceil_mode=1),
], [vi("x", [1, 1, 5, 5])], [vi("y", [1, 1, 3, 3])], [])

save("bad_mul_act", [
    helper.make_node("Relu", ["x"], ["r"], name="r"),
    helper.make_node("Mul", ["x", "r"], ["y"], name="mul2"),
], [vi("x", [1, 4])], [vi("y", [1, 4])], [])

save("bad_two_inputs", [
    helper.make_node("Add", ["x", "z"], ["y"], name="add"),
], [vi("x", [1, 4]), vi("z", [1, 4])], [vi("y", [1, 4])], [])

save("bad_softmax_axis", [
    helper.make_node("Softmax", ["x"], ["y"], name="sm0", axis=1),
], [vi("x", [1, 4, 3])], [vi("y", [1, 4, 3])], [])

with open(os.path.join(OUT, "not_a_model.txt"), "w") as f:
    f.write("this is a plain text file, not a protobuf\n" * 4)
