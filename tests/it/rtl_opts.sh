# The RTL options that change the hardware (--clock NS, --io stream) reach
# every command that builds or describes that hardware: `estimate` states the
# latency and II of the design `gen` writes with the same options (the
# pipelined plan, the stream handshake model), and `bundle create` packs the
# RTL project `gen` would write and an estimate of that same design.
. "$ROOT/tests/it/lib.sh"
TAB=$(printf '\t')

cfg() { printf '%s\n' "$2" > "$FF_TMP/$1.json"; echo "$FF_TMP/$1.json"; }

# est_lat_ii MODEL OPTIONS...: "latency II" of estimate --json
est_lat_ii() {
    m=$1; shift
    "$FF" estimate "$m" --part xcu250 --surrogate analytical --json "$@" 2>/dev/null |
        sed -n "s/^${TAB}\"\(latency_cycles\|ii\)\":[ $TAB]*\([0-9]*\).*/\2/p" | tr '\n' ' ' | sed 's/ $//'
}
# man_lat_ii DIR: "latency II" of a gen manifest
man_lat_ii() {
    sed -n "s/^${TAB}\"\(latency_cycles\|ii\)\":[ $TAB]*\([0-9]*\).*/\2/p" "$1/manifest.json" | tr '\n' ' ' | sed 's/ $//'
}

# est_matches_gen NAME MODEL OPTIONS...: estimate and gen with the same options
est_matches_gen() {
    name=$1; m=$2; shift 2
    d=$FF_TMP/gen_$name
    if ! "$FF" gen "$m" --backend rtl --part xcu250 "$@" -o "$d" 2>"$FF_TMP/gen.err"; then
        fail "opts_estimate_$name" "gen: $(tail -n 1 "$FF_TMP/gen.err")"; return
    fi
    e=$(est_lat_ii "$m" "$@"); g=$(man_lat_ii "$d")
    if [ -n "$g" ] && [ "$e" = "$g" ]; then pass "opts_estimate_$name (latency II: $e)"
    else fail "opts_estimate_$name" "estimate '$e', gen manifest '$g'"; fi
}

C1=$MODELS/conv1d_small_keras.onnx
C2=$MODELS/conv2d_small_keras.onnx
est_matches_gen conv1d_stream_r1 "$C1" --io stream --reuse 1
est_matches_gen conv1d_stream_r4 "$C1" --io stream \
    --config "$(cfg c1 '{"Model": {"reuse": 4}, "LayerName": {"Gemm_9": {"reuse": 5}, "Gemm_11": {"reuse": 5}}}')"
est_matches_gen conv2d_stream_r1 "$C2" --io stream --reuse 1
est_matches_gen conv2d_stream_r3 "$C2" --io stream \
    --config "$(cfg c2 '{"LayerName": {"Conv2D__": {"reuse": 3}, "Gemm_6": {"reuse": 8}}}')"
# the config's Model.io, as gen reads it
est_matches_gen conv1d_stream_cfg "$C1" --config "$(cfg c1s '{"Model": {"io": "stream"}}')"
est_matches_gen two_layer_5ns "$MODELS/two_layer_keras.onnx" --clock 5
est_matches_gen two_layer_r2_5ns "$MODELS/two_layer_keras.onnx" --clock 5 --reuse 2
# a branching graph: the plan's longest path with its FIFOs, not the sum of the layers
est_matches_gen branch_concat "$MODELS/gen/branch_concat.onnx"
est_matches_gen branch_concat_5ns "$MODELS/gen/branch_concat.onnx" --clock 5
est_matches_gen branch_residual_5ns "$MODELS/gen/branch_residual.onnx" --clock 5
# --clock with --io stream: gen keeps the fixed plan, and so does estimate
est_matches_gen conv2d_stream_5ns "$C2" --io stream --clock 5

# the stream estimate is not the io parallel one (it would pass by accident otherwise)
p=$(est_lat_ii "$C2" --reuse 1); s=$(est_lat_ii "$C2" --reuse 1 --io stream)
if [ -n "$p" ] && [ "$p" != "$s" ]; then pass "opts_estimate_stream_differs (parallel $p, stream $s)"
else fail "opts_estimate_stream_differs" "parallel '$p', stream '$s'"; fi

expect_exit opts_estimate_bad_io 2 "estimate: --io wants parallel or stream, got 'serial'" \
    "$FF" estimate "$C1" --io serial
expect_exit opts_bundle_bad_io 2 "bundle create: --io wants parallel or stream, got 'x'" \
    "$FF" bundle create "$C1" --io x -o "$FF_TMP/b_bad"

# bundle create --clock / --io: the packed RTL is gen's, the estimate states its latency
mkdir -p "$RTL_CACHE"
bundle_matches_gen() {
    name=$1; m=$2; shift 2
    b=$FF_TMP/bundle_$name
    if ! "$FF" bundle create "$m" --part xcu250 --with rtl --sim-cache "$RTL_CACHE" "$@" -o "$b" 2>"$FF_TMP/b.err"; then
        fail "opts_bundle_$name" "bundle create: $(tail -n 1 "$FF_TMP/b.err")"; return
    fi
    d=$FF_TMP/bgen_$name
    "$FF" gen "$m" --backend rtl --part xcu250 "$@" -o "$d" 2>/dev/null
    g=$(man_lat_ii "$d"); r=$(man_lat_ii "$b/rtl")
    # the bundle manifest's estimate (its latency_cycles and ii keys, one tab deeper)
    e=$(sed -n "s/^${TAB}${TAB}\"\(latency_cycles\|ii\)\":[ $TAB]*\([0-9]*\).*/\2/p" "$b/manifest.json" | tr '\n' ' ' |
        sed 's/ $//')
    if [ -n "$g" ] && [ "$r" = "$g" ] && [ "$e" = "$g" ] && diff -r -x manifest.json -x model.ffq "$d/rtl" "$b/rtl/rtl" >/dev/null
    then pass "opts_bundle_$name (latency II: $g)"
    else fail "opts_bundle_$name" "gen '$g', bundle rtl manifest '$r', bundle estimate '$e' (or the Verilog differs)"; fi
}
bundle_matches_gen two_layer_5ns "$MODELS/two_layer_keras.onnx" --clock 5
bundle_matches_gen conv1d_stream "$C1" --io stream --reuse 1
# bundle create --slices: gen --slices' RTL, the sliced estimate, and the
# Verilated library of that design gives the reference's integers
D=_class__keras_layers_core_Dense__
TWO=$(cfg two '{"LayerName": {"'$D'": {"reuse": 10}, "'$D'1": {"reuse": 32}}}')
bundle_matches_gen two_layer_slices "$MODELS/two_layer_keras.onnx" --config "$TWO" --slices
b=$FF_TMP/bundle_two_layer_slices
PY=${FF_PYTHON:-/usr/bin/python3}
"$PY" "$ROOT/tests/oracle/gen_inputs.py" 200 11 "$MODELS/two_layer_keras.onnx" > "$FF_TMP/in_two.txt"
if "$FF" infer "$b" --backend cpu --input "$FF_TMP/in_two.txt" --raw -o "$FF_TMP/two_cpu.txt" 2>"$FF_TMP/i.err" &&
    "$FF" infer "$b" --backend verilator --input "$FF_TMP/in_two.txt" --raw -o "$FF_TMP/two_vl.txt" 2>>"$FF_TMP/i.err" &&
    [ "$(wc -l < "$FF_TMP/two_vl.txt")" -eq 200 ] && cmp -s "$FF_TMP/two_cpu.txt" "$FF_TMP/two_vl.txt" &&
    grep -q '"slices":[[:space:]]*true' "$b/manifest.json" && grep -q '"count":[[:space:]]*1,' "$b/rtl/manifest.json"
then pass "opts_bundle_slices_verilator_bitexact (200 vectors)"
else fail "opts_bundle_slices_verilator_bitexact" "$(tail -n 1 "$FF_TMP/i.err") (or the manifests do not say slices)"; fi
expect_exit opts_bundle_slices_needs_rtl 2 "bundle create: --slices shapes the RTL project; add --with rtl" \
    "$FF" bundle create "$MODELS/two_layer_keras.onnx" --slices -o "$FF_TMP/b_noslice"
expect_exit opts_bundle_slices_stream 2 "bundle create: --slices applies to io parallel designs" \
    "$FF" bundle create "$C1" --with rtl --io stream --slices -o "$FF_TMP/b_noslice"
check opts_bundle_slices_nothing_written test ! -e "$FF_TMP/b_noslice"
# a config's Model.slices (explore --slices writes it) shapes the RTL only: a bundle without an
# RTL project and the HLS back-end take the config as it is
SL=$(cfg sl '{"Model": {"slices": true}, "LayerName": {"'$D'": {"reuse": 10}, "'$D'1": {"reuse": 32}}}')
check opts_config_slices_without_rtl sh -c "'$FF' bundle create '$MODELS/two_layer_keras.onnx' --config '$SL' -o '$FF_TMP/b_cfgsl' 2>/dev/null &&
    '$FF' gen '$MODELS/two_layer_keras.onnx' --backend hls --config '$SL' -o '$FF_TMP/h_cfgsl' 2>/dev/null &&
    '$FF' gen '$MODELS/two_layer_keras.onnx' --backend rtl --config '$SL' -o '$FF_TMP/r_cfgsl' 2>/dev/null &&
    grep -q '\"slices\":' '$FF_TMP/r_cfgsl/manifest.json'"
