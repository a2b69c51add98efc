#!/usr/bin/python3
"""model_info.py MODEL.onnx: one JSON line describing the model's interface,
for ort_run.js (onnxruntime-node 1.20 exposes no input shapes):
{"input": NAME, "shape": [per-sample dims], "batch": leading dim or null,
 "outputs": [NAMES], "opset": N}. Exit 2 with one line on unusable input."""
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import ffio  # noqa: E402

PROG = "model_info.py"
try:
    import onnx
except ImportError:
    ffio.die(PROG, "cannot import onnx: run with Debian's /usr/bin/python3 (apt install python3-onnx)")


def main(argv):
    if len(argv) != 1:
        ffio.die(PROG, "usage: model_info.py MODEL.onnx")
    try:
        try:
            model = onnx.load(argv[0], load_external_data=False)
        except Exception as e:  # noqa: BLE001
            raise ffio.OracleError("%s: cannot load ONNX model (%s)" % (argv[0], str(e).splitlines()[0] if str(e) else type(e).__name__))
        ins, outs = ffio.model_io(model)
        if len(ins) != 1:
            raise ffio.OracleError("%s: %d graph inputs, only single-input models are supported" % (argv[0], len(ins)))
        dims = ffio.dims_of(ins[0])
        print(json.dumps({
            "input": ins[0].name,
            "shape": ffio.sample_shape(ins[0], "input"),
            "batch": dims[0] if dims else None,
            "outputs": [o.name for o in outs],
            "opset": next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None),
        }))
    except ffio.OracleError as e:
        ffio.die(PROG, str(e))


if __name__ == "__main__":
    main(sys.argv[1:])
