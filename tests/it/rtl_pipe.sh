# Clock-driven pipelining of the RTL back-end (gen --clock NS): designs
# pipelined for a tight (5 ns, 3 ns) and a relaxed (10-20 ns) clock co-simulate
# bit-exactly with Verilator, their latency and II equal the manifest's, the
# latency follows the clock, `estimate --clock` states the same latency, and
# without --clock the plan stays the fixed one. Small models only (Verilator
# builds of a few seconds each, cached in $FF_RTL_CACHE like rtl_sim's).
. "$ROOT/tests/it/lib.sh"
GEN=$MODELS/gen
TAB=$(printf '\t')

cosim() { rtl_cosim pipe "$@"; }

cfg() { printf '%s\n' "$2" > "$FF_TMP/$1.json"; echo "$FF_TMP/$1.json"; }

# Dense + tanh table + Dense: split requantization with a table activation (5 ns),
# merged stages (20 ns)
cosim dense_tanh_5ns "$GEN/dense_mixed.onnx" --clock 5
cosim dense_tanh_20ns "$GEN/dense_mixed.onnx" --clock 20
# Scale, Clip, LeakyReLU (its second multiply), Elu, Selu at a tight clock, and
# with reuse (tree cuts and the split after the accumulator)
cosim scale_acts_3ns "$GEN/consts_op13.onnx" --clock 3
cosim scale_acts_r3_5ns "$GEN/consts_op13.onnx" --clock 5 \
    --config "$(cfg so3 '{"LayerName": {"sub_xc": {"reuse": 3}, "sub_cx": {"reuse": 3}, "fc": {"reuse": 3}}}')"
# Conv1D with a global max pool, relaxed
cosim conv1d_10ns "$GEN/conv1d_bn.onnx" --clock 10

# a small Dense + Softmax (the 8-stage Softmax below its 4-stage form's delay)
if /usr/bin/python3 - "$FF_TMP/dense_softmax.onnx" <<'EOF' 2>"$FF_TMP/py.err"; then
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
W = (np.arange(40, dtype=np.float32).reshape(8, 5) % 7 - 3) * 0.25
B = np.linspace(-0.5, 0.5, 5).astype(np.float32)
g = helper.make_graph([helper.make_node("Gemm", ["x", "W", "B"], ["h"], name="fc"),
                       helper.make_node("Softmax", ["h"], ["y"], name="sm", axis=-1)], "dense_softmax",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 5])],
                      [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
onnx.save(m, sys.argv[1])
EOF
    cosim softmax_5ns "$FF_TMP/dense_softmax.onnx" --clock 5
    cosim softmax_r4_5ns "$FF_TMP/dense_softmax.onnx" --clock 5 --reuse 4
    cosim softmax_15ns "$FF_TMP/dense_softmax.onnx" --clock 15
    if grep -q '"stages":[ 	]*8' "$FF_TMP/pipe_softmax_5ns/manifest.json" &&
        grep -q '"stages":[ 	]*4' "$FF_TMP/pipe_softmax_15ns/manifest.json"; then
        pass "pipe_softmax_stages (8 at 5 ns, 4 at 15 ns)"
    else
        fail "pipe_softmax_stages" "manifest pipeline stages not 8 at 5 ns and 4 at 15 ns"
    fi
else
    fail "pipe_softmax_model" "could not write the Dense+Softmax model: $(tail -n 2 "$FF_TMP/py.err" | tr '\n' ' ')"
fi

# saturation by compares (<top>_rqsat): large weights drive most outputs past
# their bounds; Clip (asymmetric), no activation and ReLU, split (5 ns) and in
# one stage after the product (10 ns)
if /usr/bin/python3 - "$FF_TMP/sat.onnx" <<'EOF' 2>"$FF_TMP/py.err"; then
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
r = np.random.default_rng(7)
W1 = r.normal(0, 2.0, (6, 7)).astype(np.float32)
W2 = r.normal(0, 1.5, (7, 5)).astype(np.float32)
W3 = r.normal(0, 1.5, (5, 4)).astype(np.float32)
g = helper.make_graph([helper.make_node("Gemm", ["x", "W1"], ["a"], name="fc1"),
                       helper.make_node("Clip", ["a", "lo", "hi"], ["b"], name="clip"),
                       helper.make_node("Gemm", ["b", "W2"], ["c"], name="fc2"),
                       helper.make_node("Gemm", ["c", "W3"], ["d"], name="fc3"),
                       helper.make_node("Relu", ["d"], ["y"], name="relu")], "sat",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
                      [numpy_helper.from_array(W1, "W1"), numpy_helper.from_array(W2, "W2"),
                       numpy_helper.from_array(W3, "W3"), numpy_helper.from_array(np.float32(-0.3), "lo"),
                       numpy_helper.from_array(np.float32(0.7), "hi")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
onnx.save(m, sys.argv[1])
EOF
    cosim sat_cmp_5ns "$FF_TMP/sat.onnx" --clock 5
    cosim sat_cmp_10ns "$FF_TMP/sat.onnx" --clock 10 --wbits 6 --abits 6
    n=$(cat "$FF_TMP/pipe_sat_cmp_5ns/manifest.json" "$FF_TMP/pipe_sat_cmp_10ns/manifest.json" |
        grep -c '"requant_saturation":[ 	]*"compare"')
    if [ "$n" = 6 ] && ls "$FF_TMP/pipe_sat_cmp_5ns/rtl" | grep -q rqsat; then
        pass "pipe_sat_cmp_used (6 layers saturate by compares)"
    else
        fail "pipe_sat_cmp_used" "$n of 6 layers use the compare form"
    fi
else
    fail "pipe_sat_model" "could not write the saturation model: $(tail -n 2 "$FF_TMP/py.err" | tr '\n' ' ')"
fi

# the latency follows the clock: a tight clock adds stages, a relaxed one merges them
J=$MODELS/three_layer_keras.onnx
ok=1; prev=0; lats=""
for c in 20 10 5 3; do
    "$FF" gen "$J" --backend rtl --part xcu250 --clock $c -o "$FF_TMP/jet_$c" 2>/dev/null || ok=0
    l=$(rtl_mlat "$FF_TMP/jet_$c"); lats="$lats $c:$l"
    [ -n "$l" ] && [ "$l" -ge "$prev" ] || ok=0
    prev=${l:-0}
done
"$FF" gen "$J" --backend rtl --part xcu250 -o "$FF_TMP/jet_fixed" 2>/dev/null || ok=0
fixed=$(rtl_mlat "$FF_TMP/jet_fixed")
if [ $ok = 1 ] && [ "$(rtl_mlat "$FF_TMP/jet_20")" -lt "$fixed" ] && [ "$(rtl_mlat "$FF_TMP/jet_3")" -gt "$fixed" ]; then
    pass "pipe_latency_follows_clock (ns:cycles$lats; fixed plan $fixed)"
else
    fail "pipe_latency_follows_clock" "ns:cycles$lats; fixed plan $fixed"
fi

# without --clock: the fixed plan (no pipeline section, 17 cycles for the jet
# tagger at R = 1: the designs the surrogate dataset was synthesized from)
if [ "$fixed" = 17 ] && ! grep -q '"pipeline"' "$FF_TMP/jet_fixed/manifest.json" &&
    ! ls "$FF_TMP/jet_fixed/rtl" | grep -q rqmul; then
    pass "pipe_no_clock_fixed_plan"
else
    fail "pipe_no_clock_fixed_plan" "latency $fixed, or a pipeline section / split modules without --clock"
fi

# estimate --clock states the latency and II of gen --clock
ok=1; msg=""
for c in 5 10; do
    e=$("$FF" estimate "$J" --clock $c --surrogate analytical --json 2>/dev/null |
        sed -n "s/^${TAB}\"latency_cycles\":[ $TAB]*\([0-9]*\).*/\1/p")
    msg="$msg $c ns: estimate $e, gen $(rtl_mlat "$FF_TMP/jet_$c");"
    [ -n "$e" ] && [ "$e" = "$(rtl_mlat "$FF_TMP/jet_$c")" ] || ok=0
done
e=$("$FF" estimate "$J" --surrogate analytical --json 2>/dev/null | sed -n "s/^${TAB}\"latency_cycles\":[ $TAB]*\([0-9]*\).*/\1/p")
[ "$e" = "$fixed" ] || ok=0
if [ $ok = 1 ]; then pass "pipe_estimate_latency ($msg)"; else fail "pipe_estimate_latency" "$msg no clock: $e vs $fixed"; fi
