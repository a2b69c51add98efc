#!/usr/bin/python3
"""fix_batch.py IN.onnx OUT.onnx

Rewrites an ONNX model so that ONNX Runtime 1.20 accepts it, without changing
what it computes for one sample:

1. batch: the leading dim of every graph input and output becomes 1 (ORT
   refuses data whose batch differs from a fixed batch dim, e.g. 789444 in
   three_layer_pytorch.onnx); intermediate value_info is dropped (ORT infers
   it again); Reshape shape constants (initializers or Constant nodes) whose
   first element equals the old batch value (> 1) get 1 there.
2. old opsets: a default-domain opset below 7 is converted to 7 with
   onnx.version_converter (ORT has no kernels for e.g. Gemm-6).
3. the onnxmltools BatchNormalization quirk (three_layer_bn_keras.onnx): a BN
   whose input is rank 2 with len(scale) == dim 0 != dim 1 is wrapped in a
   Transpose pair, so that ORT normalizes per feature (the intended meaning;
   np_eval.py reads it the same way, see its docstring).

Prints one line per change made to stderr (nothing when the model needed no
change; OUT is written anyway). Exit 2 on unusable input.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import ffio  # noqa: E402

PROG = "fix_batch.py"

try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, shape_inference
except ImportError:
    ffio.die(PROG, "cannot import onnx/numpy: run with Debian's /usr/bin/python3 (apt install python3-onnx python3-numpy)")


def note(msg):
    sys.stderr.write("%s: %s\n" % (PROG, msg))


def fix_batch(model):
    g = model.graph
    ins, outs = ffio.model_io(model)
    old = set()
    for v in ins + outs:
        t = v.type.tensor_type
        if not t.HasField("shape") or not t.shape.dim:
            continue
        d0 = t.shape.dim[0]
        if d0.HasField("dim_value") and d0.dim_value == 1:
            continue
        if d0.HasField("dim_value"):
            old.add(d0.dim_value)
        note("%s '%s': batch dim %s -> 1" % ("input" if v in ins else "output", v.name,
                                             d0.dim_value if d0.HasField("dim_value") else repr(d0.dim_param)))
        d0.Clear()
        d0.dim_value = 1
    if not old:
        return
    if g.value_info:
        note("dropped %d value_info entries (they carry the old batch dim; ORT re-infers them)" % len(g.value_info))
        del g.value_info[:]
    shape_srcs = {n.input[1] for n in g.node if n.op_type == "Reshape" and len(n.input) > 1}
    for init in g.initializer:
        if init.name in shape_srcs:
            a = numpy_helper.to_array(init).copy()
            if a.ndim == 1 and a.size and int(a[0]) in old:
                note("Reshape shape '%s': %s -> 1 in dim 0" % (init.name, a[0]))
                a[0] = 1
                init.CopyFrom(numpy_helper.from_array(a, init.name))
    for node in g.node:
        if node.op_type == "Constant" and node.output[0] in shape_srcs:
            for at in node.attribute:
                if at.name == "value":
                    a = numpy_helper.to_array(at.t).copy()
                    if a.ndim == 1 and a.size and int(a[0]) in old:
                        note("Reshape shape Constant '%s': %s -> 1 in dim 0" % (node.output[0], a[0]))
                        a[0] = 1
                        at.t.CopyFrom(numpy_helper.from_array(a, at.t.name))


def fix_opset(model):
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx") and o.version < 7:
            note("default opset %d -> 7 (onnx.version_converter)" % o.version)
            from onnx import version_converter
            # the converter wants every initializer declared as a graph input
            # (IR < 4 rule), which some exporters skip
            declared = {i.name for i in model.graph.input}
            for init in model.graph.initializer:
                if init.name not in declared:
                    model.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
            try:
                return version_converter.convert_version(model, 7)
            except Exception as e:  # noqa: BLE001
                raise ffio.OracleError("cannot convert opset %d to 7: %s" % (o.version, str(e).splitlines()[0]))
    return model


def fix_bn_quirk(model):
    try:
        inferred = shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - without shapes there is nothing to detect
        return
    shapes = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        shapes[v.name] = ffio.dims_of(v)
    inits = {i.name: i for i in model.graph.initializer}
    g = model.graph
    new_nodes = []
    for node in g.node:
        if node.op_type == "BatchNormalization" and node.input[1] in inits:
            C = numpy_helper.to_array(inits[node.input[1]]).shape[0]
            s = shapes.get(node.input[0])
            if s and len(s) == 2 and s[0] == C and s[1] != C:
                x, y = node.input[0], node.output[0]
                xt, yt = x + "__ff_bnT", y + "__ff_bnT"
                note("BatchNormalization '%s' on %s with %d channels: per-feature (Transpose pair around it)"
                     % (node.name, s, C))
                new_nodes.append(helper.make_node("Transpose", [x], [xt], name=node.name + "__ff_preT", perm=[1, 0]))
                bn = onnx.NodeProto()
                bn.CopyFrom(node)
                bn.input[0] = xt
                bn.output[0] = yt
                new_nodes.append(bn)
                new_nodes.append(helper.make_node("Transpose", [yt], [y], name=node.name + "__ff_postT", perm=[1, 0]))
                continue
        new_nodes.append(node)
    if len(new_nodes) != len(g.node):
        del g.node[:]
        g.node.extend(new_nodes)
        del g.value_info[:]


def main(argv):
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        sys.exit(0 if argv and argv[0] in ("-h", "--help") else 2)
    src, dst = argv
    try:
        try:
            model = onnx.load(src)
        except Exception as e:  # noqa: BLE001
            raise ffio.OracleError("%s: cannot load ONNX model (%s)" % (src, str(e).splitlines()[0] if str(e) else type(e).__name__))
        model = fix_opset(model)
        fix_batch(model)
        fix_bn_quirk(model)
        onnx.save(model, dst)
    except ffio.OracleError as e:
        ffio.die(PROG, str(e))
    except OSError as e:
        ffio.die(PROG, "%s: %s" % (e.filename or dst, e.strerror))


if __name__ == "__main__":
    main(sys.argv[1:])
