#!/usr/bin/python3
"""gen_inputs.py N SEED (MODEL.onnx | DIM...) > FILE

Writes N samples drawn from N(0,1) in fogforge's text format: one sample per
line, whitespace-separated, %.9g. The width is the product of DIMs, or of the
model input's dims without the leading batch dim (e.g. conv2d_small_keras.onnx
[1,8,8,1] -> 64 values per line). Deterministic: the same N, SEED and width
give the same file (numpy's PCG64 Generator, values rounded to float32 so the
text is exactly what float32 consumers read).
"""
import sys


sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import ffio  # noqa: E402
import numpy as np  # noqa: E402  (after ffio: it explains a missing numpy)

PROG = "gen_inputs.py"


def main(argv):
    if len(argv) < 3 or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        sys.exit(0 if argv and argv[0] in ("-h", "--help") else 2)
    try:
        n, seed = int(argv[0]), int(argv[1])
    except ValueError:
        ffio.die(PROG, "N and SEED must be integers, got '%s' '%s'" % (argv[0], argv[1]))
    if n <= 0:
        ffio.die(PROG, "N must be positive")
    rest = argv[2:]
    try:
        if len(rest) == 1 and rest[0].endswith(".onnx"):
            try:
                import onnx
            except ImportError:
                ffio.die(PROG, "cannot import onnx: run with Debian's /usr/bin/python3")
            try:
                model = onnx.load(rest[0], load_external_data=False)
            except Exception as e:  # noqa: BLE001
                raise ffio.OracleError("%s: cannot load ONNX model (%s)" % (rest[0], e))
            ins, _ = ffio.model_io(model)
            if len(ins) != 1:
                raise ffio.OracleError("%s: %d graph inputs, expected 1" % (rest[0], len(ins)))
            shape = ffio.sample_shape(ins[0], "input")
        else:
            try:
                shape = [int(d) for d in rest]
            except ValueError:
                raise ffio.OracleError("shape dims must be integers or one MODEL.onnx, got %s" % rest)
            if any(d <= 0 for d in shape):
                raise ffio.OracleError("shape dims must be positive, got %s" % shape)
    except ffio.OracleError as e:
        ffio.die(PROG, str(e))
    width = int(np.prod(shape, dtype=np.int64))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, width)).astype(np.float32)
    ffio.write_samples("-", x)


if __name__ == "__main__":
    main(sys.argv[1:])
