#!/usr/bin/python3
"""np_eval.py MODEL IN OUT [--float32]

An independent NumPy evaluator of ONNX graphs: the float oracle for models
ONNX Runtime refuses, and a cross-check of ORT itself. It shares no code with
fogforge (C) or ORT; it reads the ONNX file with the onnx Python package and
interprets the nodes one by one, straight from the ONNX operator spec.

IN is a fogforge sample file (text: one sample per line, whitespace-separated,
flattened in the model input's layout; or .npy with a leading sample axis).
OUT gets one line per sample, %.9g ("-" = stdout). When the graph has several
outputs their flattened values are concatenated on the line, in graph order.

Each sample runs on its own with the leading (batch) dim of the input set to 1,
whatever the model declares (e.g. 789444 in PyTorch exports), so Reshape
constants that bake in batch 1 keep working; a Reshape shape whose dim 0
equals a declared batch > 1 gets 1 there (as in fix_batch.py).

Arithmetic is float64 by default (the "true" value of the float model; fogforge
and ORT compute in float32). --float32 rounds every intermediate to float32.

Supported ops (the fogforge core's set): Gemm, MatMul, Add, Sub, Mul, Relu,
LeakyRelu, Selu, Elu, Sigmoid, Tanh, Softmax, Clip, Conv (1D/2D/ND; pads,
auto_pad, strides, dilations, group incl. depthwise), MaxPool, AveragePool,
GlobalAveragePool, GlobalMaxPool, BatchNormalization, Flatten, Reshape,
Transpose, Identity, Dropout, Squeeze, Unsqueeze, Concat, plus Constant.
Anything else: one-line error naming node, op type and opset; exit status 2.

BatchNormalization quirk (three_layer_bn_keras.onnx, onnxmltools 1.3): a
rank-2 tensor [1, C] is transposed to [C, 1] before BN, whose scale has length
C, i.e. it matches dim 0, not the channel dim 1. Read literally the graph is
invalid (ORT fails with "Invalid input scale: 0th dimension != 1"); the
intended meaning is per-feature BN. So for a rank-2 input whose dim 1 differs
from len(scale) while dim 0 equals it, this evaluator normalizes along axis 0,
i.e. feature j gets scale[j], bias[j], mean[j], var[j]. fix_batch.py gives ORT
the same meaning by wrapping such a BN in a Transpose pair.
"""
import argparse
import itertools
import sys


sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import ffio  # noqa: E402
import numpy as np  # noqa: E402  (after ffio: it explains a missing numpy)

try:
    import onnx
    from onnx import numpy_helper
except ImportError:
    ffio.die("np_eval.py", "cannot import onnx: run with Debian's /usr/bin/python3 (apt install python3-onnx)")


class EvalError(ffio.OracleError):
    pass


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


# ---------------------------------------------------------------- conv / pool

def _pads(a, spatial_in, kernel, strides, dilations, ceil_mode=False):
    """Begin/end pads per spatial axis, honouring auto_pad."""
    n = len(spatial_in)
    auto = _s(a.get("auto_pad", "NOTSET"))
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pb, pe = [], []
        for i in range(n):
            out = -(-spatial_in[i] // strides[i])
            total = max(0, (out - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - spatial_in[i])
            small = total // 2
            if auto == "SAME_UPPER":
                pb.append(small), pe.append(total - small)
            else:
                pb.append(total - small), pe.append(small)
        return pb, pe
    if auto == "VALID":
        return [0] * n, [0] * n
    if auto not in ("NOTSET", ""):
        raise EvalError("unknown auto_pad '%s'" % auto)
    p = list(a.get("pads", [0] * (2 * n)))
    return p[:n], p[n:]


def _out_len(inp, pb, pe, k, s, d, ceil_mode):
    span = inp + pb + pe - d * (k - 1) - 1
    if span < 0:
        raise EvalError("kernel larger than padded input")
    if ceil_mode:
        out = -(-span // s) + 1
        # the last window must start inside the input or the begin padding
        if (out - 1) * s >= inp + pb:
            out -= 1
    else:
        out = span // s + 1
    return out


def _windows(xp, kernel, strides, dilations, outs):
    """Yield (kernel index, strided view [N, C, *outs]) for every tap."""
    for kk in itertools.product(*[range(k) for k in kernel]):
        sl = [slice(None), slice(None)]
        for i, k in enumerate(kk):
            start = k * dilations[i]
            sl.append(slice(start, start + strides[i] * (outs[i] - 1) + 1, strides[i]))
        yield kk, xp[tuple(sl)]


def _geometry(a, x, kernel):
    n = x.ndim - 2
    strides = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    ceil_mode = bool(a.get("ceil_mode", 0))
    pb, pe = _pads(a, x.shape[2:], kernel, strides, dil)
    outs = [_out_len(x.shape[2 + i], pb[i], pe[i], kernel[i], strides[i], dil[i], ceil_mode) for i in range(n)]
    # extra end padding so that ceil_mode windows stay in range
    extra = []
    for i in range(n):
        need = (outs[i] - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1
        extra.append(max(0, need - (x.shape[2 + i] + pb[i] + pe[i])))
    return strides, dil, pb, pe, extra, outs


def op_conv(x, w, b=None, a=None):
    kernel = list(w.shape[2:])
    if "kernel_shape" in a and list(a["kernel_shape"]) != kernel:
        raise EvalError("kernel_shape %s != weight dims %s" % (list(a["kernel_shape"]), kernel))
    g = a.get("group", 1)
    N, C = x.shape[:2]
    M = w.shape[0]
    if C % g or M % g or w.shape[1] != C // g:
        raise EvalError("Conv group=%d does not fit input channels %d / weight %s" % (g, C, list(w.shape)))
    strides, dil, pb, pe, extra, outs = _geometry(a, x, kernel)
    pad = [(0, 0), (0, 0)] + [(pb[i], pe[i] + extra[i]) for i in range(len(kernel))]
    xp = np.pad(x, pad)
    y = np.zeros((N, M) + tuple(outs), dtype=x.dtype)
    cg, mg = C // g, M // g
    for kk, win in _windows(xp, kernel, strides, dil, outs):
        for gi in range(g):
            xs = win[:, gi * cg:(gi + 1) * cg]                      # [N, cg, *outs]
            ws = w[(slice(gi * mg, (gi + 1) * mg), slice(None)) + kk]  # [mg, cg]
            y[:, gi * mg:(gi + 1) * mg] += np.einsum("mc,nc...->nm...", ws, xs)
    if b is not None:
        y += b.reshape((1, M) + (1,) * len(kernel))
    return y


def op_pool(x, a, kind):
    kernel = list(a["kernel_shape"])
    strides, dil, pb, pe, extra, outs = _geometry(a, x, kernel)
    n = len(kernel)
    pad = [(0, 0), (0, 0)] + [(pb[i], pe[i] + extra[i]) for i in range(n)]
    if kind == "max":
        xp = np.pad(x, pad, constant_values=-np.inf)
        y = np.full(x.shape[:2] + tuple(outs), -np.inf, dtype=x.dtype)
        for _, win in _windows(xp, kernel, strides, dil, outs):
            y = np.maximum(y, win)
        return y
    xp = np.pad(x, pad)
    s = np.zeros(x.shape[:2] + tuple(outs), dtype=x.dtype)
    for _, win in _windows(xp, kernel, strides, dil, outs):
        s = s + win
    # divisor: taps inside the input, plus explicit pads if count_include_pad
    ones = np.ones((1, 1) + x.shape[2:], dtype=x.dtype)
    if a.get("count_include_pad", 0):
        mask = np.pad(ones, [(0, 0), (0, 0)] + [(pb[i], pe[i]) for i in range(n)], constant_values=1)
        mask = np.pad(mask, [(0, 0), (0, 0)] + [(0, extra[i]) for i in range(n)])
    else:
        mask = np.pad(ones, pad)
    cnt = np.zeros((1, 1) + tuple(outs), dtype=x.dtype)
    for _, win in _windows(mask, kernel, strides, dil, outs):
        cnt = cnt + win
    return s / cnt


# ---------------------------------------------------------------- other ops

def op_batchnorm(x, scale, bias, mean, var, a):
    eps = a.get("epsilon", 1e-5)
    C = scale.shape[0]
    if scale.ndim > 1:  # opset < 9, spatial=0: per-element parameters over x.shape[1:]
        shp = (1,) + scale.shape
        return (x - mean.reshape(shp)) / np.sqrt(var.reshape(shp) + eps) * scale.reshape(shp) + bias.reshape(shp)
    if x.ndim == 2 and x.shape[1] != C and x.shape[0] == C:
        axis = 0  # onnxmltools quirk, see the module docstring
    elif x.ndim >= 2 and x.shape[1] == C:
        axis = 1
    else:
        raise EvalError("BatchNormalization: %d channels, input shape %s" % (C, list(x.shape)))
    shp = [1] * x.ndim
    shp[axis] = C
    shp = tuple(shp)
    return (x - mean.reshape(shp)) / np.sqrt(var.reshape(shp) + eps) * scale.reshape(shp) + bias.reshape(shp)


def legacy_broadcast(a, b, at):
    """Opset < 7 Add/Sub/Mul: broadcast=1 with axis aligns b at axis of a."""
    if at.get("broadcast", 0) and "axis" in at and b.ndim > 0:
        axis = at["axis"] % a.ndim
        b = b.reshape((1,) * axis + b.shape + (1,) * (a.ndim - axis - b.ndim))
    return b


def softmax(x, axis, opset):
    if opset < 13:
        axis = axis % x.ndim if x.ndim else 0
        shp = x.shape
        x2 = x.reshape(int(np.prod(shp[:axis], dtype=np.int64)), -1)
        e = np.exp(x2 - x2.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(shp)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def reshape(x, shape, allowzero=0):
    shape = [int(s) for s in shape]
    out = []
    for i, s in enumerate(shape):
        if s == 0 and not allowzero:
            if i >= x.ndim:
                raise EvalError("Reshape: 0 at index %d beyond input rank %d" % (i, x.ndim))
            out.append(x.shape[i])
        else:
            out.append(s)
    if out.count(-1) > 1:
        raise EvalError("Reshape: more than one -1 in %s" % shape)
    try:
        return x.reshape(out)
    except ValueError:
        raise EvalError("Reshape: cannot reshape %s to %s" % (list(x.shape), shape))


class Evaluator:
    def __init__(self, model, dtype, batch=None):
        self.model = model
        self.batch = batch  # declared leading dim of the input, when > 1
        self.dtype = dtype
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
        if self.opset is None:
            raise EvalError("model imports no default-domain opset")
        self.consts = {}
        for init in model.graph.initializer:
            self.consts[init.name] = self._arr(numpy_helper.to_array(init))
        self.order = self._toposort()

    def _arr(self, a):
        if a.dtype.kind == "f":
            return a.astype(self.dtype)
        return a

    def _toposort(self):
        g = self.model.graph
        have = set(self.consts) | {i.name for i in g.input} | {""}
        pending = list(g.node)
        order = []
        while pending:
            ready = [n for n in pending if all(i in have for i in n.input)]
            if not ready:
                n = pending[0]
                missing = [i for i in n.input if i not in have]
                raise EvalError("node '%s' (%s): input(s) %s never produced (cycle or missing initializer)"
                                % (n.name, n.op_type, missing))
            for n in ready:
                order.append(n)
                have.update(n.output)
            pending = [n for n in pending if n not in ready]
        return order

    def run(self, feeds):
        env = dict(self.consts)
        env.update(feeds)
        for node in self.order:
            try:
                outs = self.node(node, env)
            except EvalError as e:
                raise EvalError("node '%s' (%s, opset %d): %s" % (node.name, node.op_type, self.opset, e))
            except (ValueError, IndexError) as e:
                raise EvalError("node '%s' (%s, opset %d): %s" % (node.name, node.op_type, self.opset, e))
            for name, val in zip(node.output, outs):
                if name:
                    if isinstance(val, np.ndarray) and val.dtype.kind == "f":
                        val = val.astype(self.dtype)
                    env[name] = val
        return [env[o.name] for o in self.model.graph.output]

    def node(self, node, env):
        op = node.op_type
        a = attrs_of(node)
        ins = [env[i] if i else None for i in node.input]
        x = ins[0] if ins else None
        ops = self.opset
        if node.domain not in ("", "ai.onnx"):
            raise EvalError("unsupported op (domain '%s')" % node.domain)
        if op == "Gemm":
            A, B = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
            return [y]
        if op == "MatMul":
            return [np.matmul(ins[0], ins[1])]
        if op in ("Add", "Sub", "Mul"):
            b = legacy_broadcast(ins[0], ins[1], a) if ops < 7 else ins[1]
            return [{"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}[op](ins[0], b)]
        if op == "Relu":
            return [np.maximum(x, 0)]
        if op == "LeakyRelu":
            al = a.get("alpha", 0.01)
            return [np.where(x >= 0, x, al * x)]
        if op == "Selu":
            al = a.get("alpha", 1.67326319217681884765625)
            ga = a.get("gamma", 1.05070102214813232421875)
            return [ga * np.where(x > 0, x, al * (np.exp(np.minimum(x, 0)) - 1))]
        if op == "Elu":
            al = a.get("alpha", 1.0)
            return [np.where(x > 0, x, al * (np.exp(np.minimum(x, 0)) - 1))]
        if op == "Sigmoid":
            return [1.0 / (1.0 + np.exp(-x))]
        if op == "Tanh":
            return [np.tanh(x)]
        if op == "Softmax":
            return [softmax(x, a.get("axis", 1 if ops < 13 else -1), ops)]
        if op == "Clip":
            if ops < 11:
                lo, hi = a.get("min", -np.inf), a.get("max", np.inf)
            else:
                lo = ins[1] if len(ins) > 1 and ins[1] is not None else -np.inf
                hi = ins[2] if len(ins) > 2 and ins[2] is not None else np.inf
            return [np.minimum(np.maximum(x, lo), hi)]
        if op == "Conv":
            return [op_conv(x, ins[1], ins[2] if len(ins) > 2 else None, a)]
        if op == "MaxPool":
            if len(node.output) > 1 and node.output[1]:
                raise EvalError("MaxPool Indices output is not supported")
            return [op_pool(x, a, "max")]
        if op == "AveragePool":
            return [op_pool(x, a, "avg")]
        if op == "GlobalAveragePool":
            return [x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)]
        if op == "GlobalMaxPool":
            return [x.max(axis=tuple(range(2, x.ndim)), keepdims=True)]
        if op == "BatchNormalization":
            if a.get("training_mode", 0):
                raise EvalError("training_mode=1 is not supported")
            return [op_batchnorm(x, *ins[1:5], a)]
        if op == "Flatten":
            ax = a.get("axis", 1) % (x.ndim + 1) if x.ndim else 0
            return [x.reshape(int(np.prod(x.shape[:ax], dtype=np.int64)), -1)]
        if op == "Reshape":
            shape = [int(v) for v in (a["shape"] if ops < 5 else ins[1])]
            if self.batch and len(shape) and shape[0] == self.batch:
                shape[0] = 1  # a shape constant that bakes in the declared batch
            return [reshape(x, shape, a.get("allowzero", 0))]
        if op == "Transpose":
            perm = a.get("perm", list(range(x.ndim))[::-1])
            return [np.transpose(x, perm)]
        if op == "Identity":
            return [x]
        if op == "Dropout":
            return [x, np.ones(x.shape, dtype=bool)]
        if op == "Squeeze":
            axes = a.get("axes") if ops < 13 else (ins[1] if len(ins) > 1 else None)
            if axes is None:
                return [np.squeeze(x)]
            axes = tuple(int(i) % x.ndim for i in axes)
            if any(x.shape[i] != 1 for i in axes):
                raise EvalError("Squeeze of a dim that is not 1: axes %s, shape %s" % (axes, list(x.shape)))
            return [np.squeeze(x, axis=axes)]
        if op == "Unsqueeze":
            axes = a.get("axes") if ops < 13 else ins[1]
            r = x.ndim + len(axes)
            y = x
            for ax in sorted(int(i) % r for i in axes):
                y = np.expand_dims(y, ax)
            return [y]
        if op == "Concat":
            return [np.concatenate(ins, axis=a["axis"])]
        if op == "Constant":
            if "value" in a:
                return [self._arr(numpy_helper.to_array(a["value"]))]
            for k in ("value_float", "value_floats"):
                if k in a:
                    return [np.array(a[k], dtype=self.dtype)]
            for k in ("value_int", "value_ints"):
                if k in a:
                    return [np.array(a[k], dtype=np.int64)]
            raise EvalError("Constant without a supported value attribute")
        raise EvalError("unsupported op")


def main(argv):
    p = argparse.ArgumentParser(prog="np_eval.py", description=__doc__.split("\n\n")[1])
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("output", help="output file, '-' for stdout")
    p.add_argument("--float32", action="store_true", help="round every intermediate to float32")
    args = p.parse_args(argv)
    prog = "np_eval.py"
    dtype = np.float32 if args.float32 else np.float64
    try:
        try:
            model = onnx.load(args.model)
        except Exception as e:  # noqa: BLE001
            raise ffio.OracleError("%s: cannot load ONNX model (%s)" % (args.model, str(e).splitlines()[0] if str(e) else type(e).__name__))
        ins, outs = ffio.model_io(model)
        if len(ins) != 1:
            raise ffio.OracleError("%s: %d graph inputs, only single-input models are supported" % (args.model, len(ins)))
        shape = ffio.sample_shape(ins[0], "input")
        width = int(np.prod(shape, dtype=np.int64))
        dims = ffio.dims_of(ins[0])
        ev = Evaluator(model, dtype, dims[0] if dims and dims[0] and dims[0] > 1 else None)
        rows = ffio.read_samples(args.input, width)
        res = []
        for r in rows:
            ys = ev.run({ins[0].name: r.astype(dtype).reshape([1] + shape)})
            res.append(np.concatenate([np.asarray(y, dtype=np.float64).ravel() for y in ys]))
        ffio.write_samples(args.output, res)
    except ffio.OracleError as e:
        ffio.die(prog, str(e))
    except OSError as e:
        ffio.die(prog, "%s: %s" % (e.filename or "", e.strerror))


if __name__ == "__main__":
    main(sys.argv[1:])
