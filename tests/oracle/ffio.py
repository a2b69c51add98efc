"""Shared helpers for fogforge's oracle scripts (Debian's /usr/bin/python3).

fogforge's sample files: text, one sample per line, whitespace-separated
numbers, each sample flattened (C order) in the model input's layout without
the batch dimension; or .npy with a leading sample axis.
"""
import sys

try:
    import numpy as np
except ImportError:
    sys.stderr.write("%s: cannot import numpy: run with Debian's /usr/bin/python3 (apt install python3-numpy python3-onnx)\n"
                     % (sys.argv[0].rsplit("/", 1)[-1] or "python"))
    sys.exit(2)


class OracleError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def die(prog, msg, code=2):
    sys.stderr.write("%s: %s\n" % (prog, msg))
    sys.exit(code)


def read_samples(path, width=None):
    """Return a float64 array [samples, width]."""
    if path.endswith(".npy"):
        try:
            a = np.load(path, allow_pickle=False)
        except Exception as e:  # noqa: BLE001 - any load error is a user error
            raise OracleError("%s: not a readable .npy file (%s)" % (path, e))
        if a.ndim < 1:
            raise OracleError("%s: .npy must have a leading sample axis" % path)
        a = a.reshape(a.shape[0], -1).astype(np.float64)
        rows = a
    else:
        rows = []
        try:
            f = open(path, "r", encoding="utf-8")
        except OSError as e:
            raise OracleError("%s: %s" % (path, e.strerror))
        with f:
            for lineno, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                try:
                    rows.append([float(x) for x in fields])
                except ValueError:
                    bad = next(x for x in fields if not _isfloat(x))
                    raise OracleError("%s:%d: non-numeric field '%s'" % (path, lineno, bad[:40]))
                if width is not None and len(fields) != width:
                    raise OracleError("%s:%d: %d values, the model input needs %d"
                                      % (path, lineno, len(fields), width))
                if width is None and len(rows[-1]) != len(rows[0]):
                    raise OracleError("%s:%d: %d values, line 1 has %d"
                                      % (path, lineno, len(fields), len(rows[0])))
        if not rows:
            raise OracleError("%s: no samples" % path)
        rows = np.array(rows, dtype=np.float64)
    if width is not None and rows.shape[1] != width:
        raise OracleError("%s: %d values per sample, the model input needs %d"
                          % (path, rows.shape[1], width))
    return rows


def _isfloat(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def fmt(x):
    """%.9g: 9 significant digits round-trip a float32."""
    return "%.9g" % x


def write_samples(path, rows):
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")
    try:
        for r in rows:
            out.write(" ".join(fmt(float(v)) for v in np.asarray(r).ravel()) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


def dims_of(value_info):
    """Dims of a graph input/output; symbolic or missing dims become None."""
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]


def model_io(model):
    """Real (non-initializer) graph inputs and the graph outputs."""
    inits = {i.name for i in model.graph.initializer}
    ins = [i for i in model.graph.input if i.name not in inits]
    return ins, list(model.graph.output)


def sample_shape(value_info, what):
    """Shape of one sample: the input's dims without the leading batch dim,
    which is treated as 1 whatever its value (e.g. 789444 in PyTorch exports)."""
    d = dims_of(value_info)
    if not d:
        raise OracleError("%s '%s' has no shape" % (what, value_info.name))
    rest = d[1:]
    if any(x is None or x <= 0 for x in rest):
        raise OracleError("%s '%s' has non-fixed dims %s after the batch dim"
                          % (what, value_info.name, d))
    return rest
