# Surrogates on the real shared models, each at three configurations: the
# three jet-tagger MLPs at reuse 8, 16 and 32; two_layer_keras, and the Conv1D
# and Conv2D models (io parallel and io stream), at reuse factors set per
# layer type or name where one global factor is not valid for every layer.
# Each design is synthesized with Yosys (as `fogforge synth` runs it) and
# estimated with the analytical model and the committed learned one
# (surrogates/models); prints estimate vs Yosys per resource (target: LUT/FF
# within 10%) and the ratio of the Yosys time to the (analytical) estimate's.
# The rows labelled -slices are the same designs built with `gen --slices`
# (a register slice at every layer boundary) and estimated with
# `estimate --slices`.
# dense_big_keras is left out: at any valid configuration it is an 80k-130k
# LUT design (10,000 weights a layer in ROMs), hours of Yosys. Last, explore's
# choice for the jet on xc7z020 (without and with --margin auto) is
# synthesized, and checked to fit the part.
#
# About 1.5 hours of Yosys on 2 cores, so it runs only with FF_BENCH_REAL=1
# (otherwise it says so and stops). Syntheses are cached in
# $BUILD/bench-real/<model>-<label>/ keyed by the sha256 of the generated RTL and the synthesis flow:
# a re-run with unchanged RTL only re-estimates.
set -eu
if [ "${FF_BENCH_REAL:-0}" != 1 ]; then
    echo "skipped: set FF_BENCH_REAL=1 to synthesize the shared models at 3 reuse factors each (~1 h of Yosys)"
    exit 0
fi
C=$ROOT/$BUILD/bench-real
mkdir -p "$C"
M=$ROOT/tests/models
printf '%-20s %-20s %-26s %-26s %-22s %-22s %-16s %8s %s\n' model configuration "Yosys LUT/FF/DSP/BRAM" "estimate LUT/FF/DSP/BRAM" \
    "error LUT/FF" "learned error LUT/FF" "in 90% interval" "Yosys s" "Yosys/estimate"
K=$C/configs
mkdir -p "$K"
D=_class__keras_layers_core_Dense__
printf '{"LayerName": {"%s": {"reuse": 5}, "%s1": {"reuse": 8}}}\n' $D $D >"$K/two_5_8.json"
printf '{"LayerName": {"%s": {"reuse": 10}, "%s1": {"reuse": 32}}}\n' $D $D >"$K/two_10_32.json"
printf '{"LayerType": {"Conv": {"reuse": %s}, "Dense": {"reuse": %s}}}\n' 4 5 >"$K/conv4_dense5.json"
printf '{"LayerType": {"Conv": {"reuse": %s}, "Dense": {"reuse": %s}}}\n' 3 8 >"$K/conv3_dense8.json"
printf '{"LayerType": {"Conv": {"reuse": %s}, "Dense": {"reuse": %s}}}\n' 9 16 >"$K/conv9_dense16.json"
printf '{"LayerType": {"Conv": {"reuse": %s}, "Dense": {"reuse": %s}}}\n' 9 32 >"$K/conv9_dense32.json"
# synthesized DIR MODEL GEN-OPTIONS...: gen into DIR and synthesize it, unless DIR holds the
# synthesis of the same logic
synthesized() {
    d=$1 model=$2
    shift 2
    rm -rf "$d.new"
    "$FF" gen "$M/$model.onnx" --backend rtl "$@" -o "$d.new" >/dev/null 2>&1
    # the logic, not the header comments, and the synthesis flow (FF_SYNTH_FLOW, sim/sim.h)
    h=$( (cat "$d.new"/rtl/*.v | grep -v "^//"; echo "synth_flow 2") | sha256sum | cut -c1-16)
    if [ ! -s "$d/synth.json" ] || [ "$(cat "$d/rtl.sha" 2>/dev/null)" != "$h" ]; then
        rm -rf "$d" && mv "$d.new" "$d"
        "$FF" synth "$d" --json >"$d/synth.json.tmp" 2>"$d/synth.err" && mv "$d/synth.json.tmp" "$d/synth.json"
        echo "$h" >"$d/rtl.sha"
    else
        rm -rf "$d.new"
    fi
}
# model, label, then the options gen and estimate both take
while read -r model label opts <&3; do
    [ -n "$model" ] || continue
    set -- $opts
    d=$C/$model-$label
    synthesized "$d" "$model" "$@" --part xcu250
    "$FF" estimate "$M/$model.onnx" "$@" --part xcu250 --surrogate analytical --json >"$d/est.json" 2>/dev/null
    "$FF" estimate "$M/$model.onnx" "$@" --part xcu250 --surrogate "$ROOT/surrogates/models" --json \
        >"$d/est-learned.json" 2>/dev/null
    ms=$("$FF" estimate "$M/$model.onnx" "$@" --part xcu250 --surrogate analytical 2>/dev/null |
        sed -n 's/.*, \([0-9.]*\) ms)$/\1/p')
    python3 - "$model" "$label" "$d/synth.json" "$d/est.json" "${ms:-0}" "$d/est-learned.json" <<'PY'
import json, sys
n, r, sy, es, ms, el = sys.argv[1:7]
y = json.load(open(sy)); e = json.load(open(es)); lj = json.load(open(el)); le = lj["total"]
t, p = y["total"], e["total"]
err = lambda k, p=p: 100.0 * (p[k] - t[k]) / t[k] if t[k] else 0.0
ms = float(ms)
ratio = "%.0fx" % (y["seconds"] / (ms / 1e3)) if ms > 0 else "-"
# whether Yosys landed in the learned estimate's 90% interval (bands.json; none for io stream)
iv = lj.get("interval")
inside = lambda k: "-" if not iv or k not in iv else ("yes" if iv[k]["range"][0] <= t[k] <= iv[k]["range"][1] else "NO")
print("%-20s %-20s %-26s %-26s %-22s %-22s %-16s %8.0f %s" % (n, r, "%d/%d/%d/%d" % (t["lut"], t["ff"], t["dsp"], t["bram18"]),
      "%d/%d/%d/%d" % (p["lut"], p["ff"], p["dsp"], p["bram18"]), "%+.1f%% / %+.1f%%" % (err("lut"), err("ff")),
      "%+.1f%% / %+.1f%%" % (err("lut", le), err("ff", le)), "%s / %s" % (inside("lut"), inside("ff")), y["seconds"], ratio))
PY
done 3<<EOF
three_layer_keras r8 --reuse 8
three_layer_keras r16 --reuse 16
three_layer_keras r32 --reuse 32
three_layer_pytorch r8 --reuse 8
three_layer_pytorch r16 --reuse 16
three_layer_pytorch r32 --reuse 32
three_layer_bn_keras r8 --reuse 8
three_layer_bn_keras r16 --reuse 16
three_layer_bn_keras r32 --reuse 32
two_layer_keras r1 --reuse 1
two_layer_keras r5-8 --config $K/two_5_8.json
two_layer_keras r10-32 --config $K/two_10_32.json
conv1d_small_keras r1 --reuse 1
conv1d_small_keras conv4-dense5 --config $K/conv4_dense5.json
conv1d_small_keras stream-conv4-dense5 --io stream --config $K/conv4_dense5.json
conv2d_small_keras stream-conv3-dense8 --io stream --config $K/conv3_dense8.json
conv2d_small_keras stream-conv9-dense16 --io stream --config $K/conv9_dense16.json
conv2d_small_keras stream-conv9-dense32 --io stream --config $K/conv9_dense32.json
three_layer_keras r8-slices --reuse 8 --slices
three_layer_keras r16-slices --reuse 16 --slices
three_layer_keras r32-slices --reuse 32 --slices
three_layer_pytorch r16-slices --reuse 16 --slices
two_layer_keras r5-8-slices --config $K/two_5_8.json --slices
two_layer_keras r10-32-slices --config $K/two_10_32.json --slices
conv1d_small_keras conv4-dense5-slices --config $K/conv4_dense5.json --slices
EOF

# explore's choice for xc7z020, with the committed learned model, without and with --margin auto,
# synthesized: does it fit the part (the issue's "its chosen design, when synthesized, fits")?
echo
printf '%-34s %-34s %-30s %-30s %s\n' "explore three_layer_keras xc7z020" "chosen (latency, reuse)" "explore's LUT/FF/DSP/BRAM" \
    "Yosys LUT/FF/DSP/BRAM" "fits xc7z020"
for mg in none auto; do
    mkdir -p "$C/explore"
    set -- --part xc7z020 --surrogate "$ROOT/surrogates/models"
    [ $mg = none ] || set -- "$@" --margin $mg
    "$FF" explore "$M/three_layer_keras.onnx" "$@" -o "$C/explore/$mg.json" >"$C/explore/$mg.txt" 2>&1 || {
        echo "explore --margin $mg: exit $?: $(tail -1 "$C/explore/$mg.txt")"
        continue
    }
    d=$C/explore-xc7z020-$(sha256sum <"$C/explore/$mg.json" | cut -c1-12) # one synthesis a distinct choice
    synthesized "$d" three_layer_keras --config "$C/explore/$mg.json" --part xc7z020
    if [ ! -s "$d/synth.json" ]; then
        echo "--margin $mg: Yosys failed: $(tail -1 "$d/synth.err")"
        continue
    fi
    "$FF" estimate "$M/three_layer_keras.onnx" --config "$C/explore/$mg.json" --part xc7z020 \
        --surrogate "$ROOT/surrogates/models" --json >"$d/est-learned.json" 2>/dev/null
    python3 - "$mg" "$d/synth.json" "$d/est-learned.json" "$C/explore/$mg.txt" <<'PY'
import json, sys
mg, sy, el, tx = sys.argv[1:5]
y = json.load(open(sy))["total"]; e = json.load(open(el))
cap = e["available"]  # the part's capacity
chosen = [l for l in open(tx) if l.startswith("*")][0].split()
p = dict(zip(("lut", "ff", "dsp", "bram18"), (int(float(v)) for v in chosen[3:7])))  # the front's row
fits = all(y[k] <= cap[k] for k in ("lut", "ff", "dsp", "bram18"))
use = " ".join("%s %.0f%%" % (k, 100.0 * y[k] / cap[k]) for k in ("lut", "dsp"))
print("%-34s %-34s %-30s %-30s %s" % ("--margin " + mg, "%s cycles, R %s" % (chosen[1], " ".join(chosen[chosen.index("R:") + 1:])),
      "%d/%d/%d/%d" % (p["lut"], p["ff"], p["dsp"], p["bram18"]), "%d/%d/%d/%d" % (y["lut"], y["ff"], y["dsp"], y["bram18"]),
      ("yes" if fits else "NO") + " (" + use + ")"))
PY
done
