# Surrogates on the real shared models: each MLP at three reuse factors,
# synthesized with Yosys (as `fogforge synth` runs it) and estimated with the
# analytical model and the committed learned one (surrogates/models); prints
# estimate vs Yosys per resource (target: LUT/FF within 10%) and the ratio of
# the Yosys time to the (analytical) estimate's.
#
# About an hour of Yosys on 2 cores, so it runs only with FF_BENCH_REAL=1
# (otherwise it says so and stops). Syntheses are cached in
# $BUILD/bench-real/<model>-r<R>/ keyed by the sha256 of the generated RTL:
# a re-run with unchanged RTL only re-estimates.
set -eu
if [ "${FF_BENCH_REAL:-0}" != 1 ]; then
    echo "skipped: set FF_BENCH_REAL=1 to synthesize the shared models at 3 reuse factors each (~1 h of Yosys)"
    exit 0
fi
C=$ROOT/$BUILD/bench-real
mkdir -p "$C"
M=$ROOT/tests/models
printf '%-24s %5s  %-26s %-26s %-22s %-22s %8s %s\n' design reuse "Yosys LUT/FF/DSP/BRAM" "estimate LUT/FF/DSP/BRAM" \
    "error LUT/FF" "learned error LUT/FF" "Yosys s" "Yosys/estimate"
for spec in "three_layer_keras 8" "three_layer_keras 16" "three_layer_keras 32" \
    "three_layer_pytorch 8" "three_layer_pytorch 16" "three_layer_pytorch 32" \
    "three_layer_bn_keras 8" "three_layer_bn_keras 16" "three_layer_bn_keras 32"; do
    set -- $spec
    d=$C/$1-r$2
    rm -rf "$d.new"
    "$FF" gen "$M/$1.onnx" --backend rtl --reuse "$2" --part xcu250 -o "$d.new" >/dev/null 2>&1
    h=$(cat "$d.new"/rtl/*.v | grep -v "^//" | sha256sum | cut -c1-16) # the logic, not the header comments
    if [ ! -s "$d/synth.json" ] || [ "$(cat "$d/rtl.sha" 2>/dev/null)" != "$h" ]; then
        rm -rf "$d" && mv "$d.new" "$d"
        "$FF" synth "$d" --json >"$d/synth.json.tmp" 2>"$d/synth.err" && mv "$d/synth.json.tmp" "$d/synth.json"
        echo "$h" >"$d/rtl.sha"
    else
        rm -rf "$d.new"
    fi
    "$FF" estimate "$M/$1.onnx" --reuse "$2" --part xcu250 --surrogate analytical --json >"$d/est.json" 2>/dev/null
    "$FF" estimate "$M/$1.onnx" --reuse "$2" --part xcu250 --surrogate "$ROOT/surrogates/models" --json \
        >"$d/est-learned.json" 2>/dev/null
    ms=$("$FF" estimate "$M/$1.onnx" --reuse "$2" --part xcu250 --surrogate analytical 2>/dev/null |
        sed -n 's/.*, \([0-9.]*\) ms)$/\1/p')
    python3 - "$1" "$2" "$d/synth.json" "$d/est.json" "${ms:-0}" "$d/est-learned.json" <<'PY'
import json, sys
n, r, sy, es, ms, el = sys.argv[1:7]
y = json.load(open(sy)); e = json.load(open(es)); le = json.load(open(el))["total"]
t, p = y["total"], e["total"]
err = lambda k, p=p: 100.0 * (p[k] - t[k]) / t[k] if t[k] else 0.0
ms = float(ms)
ratio = "%.0fx" % (y["seconds"] / (ms / 1e3)) if ms > 0 else "-"
print("%-24s %5s  %-26s %-26s %-22s %-22s %8.0f %s" % (n, r, "%d/%d/%d/%d" % (t["lut"], t["ff"], t["dsp"], t["bram18"]),
      "%d/%d/%d/%d" % (p["lut"], p["ff"], p["dsp"], p["bram18"]), "%+.1f%% / %+.1f%%" % (err("lut"), err("ff")),
      "%+.1f%% / %+.1f%%" % (err("lut", le), err("ff", le)), y["seconds"], ratio))
PY
done
