#!/usr/bin/python3
"""op_models.py OUTDIR

Writes small synthetic ONNX models (seeded weights, batch 1) that exercise the
supported ops and attributes the real hls4ml models do not: Conv pads,
strides, dilations, auto_pad, group and depthwise; MaxPool/AveragePool with
ceil_mode and count_include_pad; global pools; Gemm alpha/beta/transB; Selu,
Elu, LeakyRelu, Clip, Tanh, Sigmoid; Reshape/Transpose/Squeeze/Unsqueeze/
Flatten/Concat; Softmax axis semantics of opset 9 (coerce to 2-D) and 13;
BatchNormalization on a 4-D tensor; Dropout/Identity. Prints the file names.

core_oracle.sh cross-checks np_eval.py against ONNX Runtime on them, so the
NumPy oracle is validated op by op, not only on the layers of the real models.
"""
import os
import sys


sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import ffio  # noqa: E402
import numpy as np  # noqa: E402  (after ffio: it explains a missing numpy)

PROG = "op_models.py"
try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:
    ffio.die(PROG, "cannot import onnx: run with Debian's /usr/bin/python3 (apt install python3-onnx)")

rng = np.random.default_rng(7)


def W(name, *shape, scale=0.5):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def I64(name, vals):
    return numpy_helper.from_array(np.array(vals, dtype=np.int64), name)


def F32(name, vals):
    return numpy_helper.from_array(np.array(vals, dtype=np.float32), name)


def model(name, nodes, in_shape, out_shape, inits, opset=13):
    g = helper.make_graph(nodes, name,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    if out_shape is None:  # filled in by shape inference in main()
        g.output[0].type.tensor_type.ClearField("shape")
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="fogforge-op_models")
    m.ir_version = 7
    return m


def build():
    N = helper.make_node
    ms = {}
    ms["op_conv2d_geometry"] = model("conv2d_geometry", [
        N("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 2, 1, 0], strides=[2, 1], dilations=[1, 2]),
        N("Relu", ["c"], ["y"]),
    ], [1, 3, 9, 9], None, [W("w", 4, 3, 3, 3), W("b", 4)])
    ms["op_conv2d_depthwise_same"] = model("conv2d_depthwise_same", [
        N("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], group=4, auto_pad="SAME_UPPER", strides=[2, 2]),
        N("LeakyRelu", ["c"], ["y"], alpha=0.1),
    ], [1, 4, 8, 7], None, [W("w", 4, 1, 3, 3), W("b", 4)])
    ms["op_conv1d_group_dil"] = model("conv1d_group_dil", [
        N("Conv", ["x", "w"], ["c"], kernel_shape=[3], group=2, strides=[2], dilations=[2], pads=[2, 1]),
        N("Elu", ["c"], ["y"], alpha=0.7),
    ], [1, 4, 12], None, [W("w", 6, 2, 3)])
    ms["op_pool_max_ceil"] = model("pool_max_ceil", [
        N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
    ], [1, 2, 8, 9], None, [])
    ms["op_pool_avg_exclude_pad"] = model("pool_avg_exclude_pad", [
        N("AveragePool", ["x"], ["y"], kernel_shape=[2, 3], strides=[1, 2], pads=[1, 1, 0, 1]),
    ], [1, 2, 6, 7], None, [])
    ms["op_pool_avg_include_pad_1d"] = model("pool_avg_include_pad_1d", [
        N("AveragePool", ["x"], ["y"], kernel_shape=[3], strides=[2], pads=[1, 1], count_include_pad=1),
    ], [1, 3, 10], None, [])
    ms["op_global_pools_concat"] = model("global_pools_concat", [
        N("GlobalAveragePool", ["x"], ["a"]),
        N("GlobalMaxPool", ["x"], ["m"]),
        N("Concat", ["a", "m"], ["c"], axis=1),
        N("Flatten", ["c"], ["y"], axis=1),
    ], [1, 3, 5, 4], None, [])
    ms["op_conv_bn_dropout"] = model("conv_bn_dropout", [
        N("Conv", ["x", "w"], ["c"], kernel_shape=[2, 2]),
        N("BatchNormalization", ["c", "s", "bb", "mu", "var"], ["n"], epsilon=1e-3),
        N("Relu", ["n"], ["r"]),
        N("Dropout", ["r"], ["d"]),
        N("Identity", ["d"], ["f0"]),
        N("Flatten", ["f0"], ["y"]),
    ], [1, 2, 5, 5], None, [W("w", 3, 2, 2, 2), W("s", 3), W("bb", 3), W("mu", 3),
                             numpy_helper.from_array((rng.random(3) + 0.5).astype(np.float32), "var")])
    ms["op_dense_activations"] = model("dense_activations", [
        N("Gemm", ["x", "w", "b"], ["g"], alpha=0.5, beta=2.0, transB=1),
        N("Selu", ["g"], ["s"]),
        N("MatMul", ["s", "w2"], ["m"]),
        N("Sub", ["m", "k"], ["sb"]),
        N("Mul", ["sb", "k2"], ["ml"]),
        N("Add", ["ml", "k3"], ["ad"]),
        N("Clip", ["ad", "lo", "hi"], ["cl"]),
        N("Tanh", ["cl"], ["t"]),
        N("Sigmoid", ["t"], ["y"]),
    ], [1, 6], None, [W("w", 8, 6), W("b", 8), W("w2", 8, 5), W("k", 5), F32("k2", 1.5), W("k3", 1, 5),
                      F32("lo", -0.8), F32("hi", 0.9)])
    ms["op_shapes_softmax13"] = model("shapes_softmax13", [
        N("Reshape", ["x", "shp"], ["r"]),
        N("Transpose", ["r"], ["t"], perm=[0, 2, 3, 1]),
        N("Unsqueeze", ["t", "ax"], ["u"]),
        N("Squeeze", ["u", "ax"], ["q"]),
        N("Concat", ["q", "t"], ["c"], axis=3),
        N("Softmax", ["c"], ["s"], axis=2),
        N("Flatten", ["s"], ["y"], axis=2),
    ], [1, 24], None, [I64("shp", [1, 2, 3, 4]), I64("ax", [2])])
    ms["op_opset9_legacy"] = model("opset9_legacy", [
        N("Reshape", ["x", "shp"], ["r"]),
        N("Softmax", ["r"], ["s"], axis=1),        # opset < 13: softmax over dims 1.. flattened
        N("Unsqueeze", ["s"], ["u"], axes=[0]),
        N("Squeeze", ["u"], ["q"], axes=[0]),
        N("Clip", ["q"], ["cl"], min=0.02, max=0.3),
        N("Flatten", ["cl"], ["y"]),
    ], [1, 12], None, [I64("shp", [1, 3, 4])], opset=9)
    return ms


def main(argv):
    if len(argv) != 1:
        ffio.die(PROG, "usage: op_models.py OUTDIR")
    os.makedirs(argv[0], exist_ok=True)
    for name, m in build().items():
        # shape inference fills in the output shape (and value_info)
        m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
        onnx.checker.check_model(m)
        path = os.path.join(argv[0], name + ".onnx")
        onnx.save(m, path)
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
