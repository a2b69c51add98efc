# gen --slices: a register slice (2-entry FIFO, registered ready) at every
# layer boundary. Each design co-simulates bit-exactly with random stalls,
# with `fogforge sim`'s latency and II equal to the manifest's (one cycle a
# slice more than without, the same II); estimate --slices states the same
# latency and II; Yosys's LUTs and FFs of the sliced two_layer_keras at
# R = 10 / 32 (the design whose flattened handshake Yosys folds into its
# first layer's ROM columns: 22% over the estimate without slices) are within
# 10% of the learned estimate; the options that cannot go together say so.
. "$ROOT/tests/it/lib.sh"
TAB=$(printf '\t')
GEN=$MODELS/gen

cfg() { printf '%s\n' "$2" > "$FF_TMP/$1.json"; echo "$FF_TMP/$1.json"; }
# jnum JSON KEY: the first integer value of KEY
jnum() { printf '%s' "$1" | sed -n "s/.*\"$2\":[[:space:]]*\([0-9]*\).*/\1/p" | head -n 1; }
# est_lat_ii MODEL OPTIONS...: "latency II" of estimate --json
est_lat_ii() {
    m=$1; shift
    "$FF" estimate "$m" --part xcu250 --surrogate analytical --json "$@" 2>/dev/null |
        sed -n "s/^${TAB}\"\(latency_cycles\|ii\)\":[ $TAB]*\([0-9]*\).*/\1 \2/p" | tr '\n' ' ' | sed 's/ $//'
}

# sliced NAME MODEL ON_PATH GEN-OPTIONS...: co-simulation of the sliced
# design; its latency against the unsliced plan's plus ON_PATH slices (a
# chain: all of them; a graph: those on its longest path), its II the same;
# the estimate's latency and II; lint
sliced() {
    name=$1; model=$2; on_path=$3; shift 3
    rtl_cosim rtl_slices "$name" "$model" --slices "$@"
    d=$FF_TMP/rtl_slices_$name
    [ -f "$d/manifest.json" ] || return
    man=$(cat "$d/manifest.json")
    n=$(printf '%s' "$man" | sed -n '/"slices"/,/}/p' | sed -n 's/.*"count":[[:space:]]*\([0-9]*\).*/\1/p')
    u=$(est_lat_ii "$model" "$@"); s=$(est_lat_ii "$model" --slices "$@")
    ulat=${u#latency_cycles }; ulat=${ulat%% *}; uii=${u##* }
    lat=$(rtl_mlat "$d")
    ii=$(sed -n "s/^${TAB}\"ii\":[[:space:]]*\([0-9]*\).*/\1/p" "$d/manifest.json")
    want="latency_cycles $lat ii $ii"
    if [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$lat" = "$((ulat + on_path))" ] && [ "$ii" = "$uii" ] && [ "$s" = "$want" ]; then
        pass "rtl_slices_${name}_plan ($n slices: latency $ulat -> $lat, II $ii; estimate agrees)"
    else
        fail "rtl_slices_${name}_plan" "slices '$n', manifest '$want', estimate unsliced '$u', sliced '$s'"
    fi
    top=$(sed -n "s/^${TAB}\"top\":[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$d/manifest.json")
    check "rtl_slices_${name}_lint" sh -c "cd '$d' && verilator --lint-only -Wall rtl/*.v --top-module $top"
}

D=_class__keras_layers_core_Dense__
TWO=$(cfg two '{"LayerName": {"'$D'": {"reuse": 10}, "'$D'1": {"reuse": 32}}}')
sliced two_r10_32 "$MODELS/two_layer_keras.onnx" 1 --config "$TWO"
# Conv1D, pooling, Flatten (a wire: the slice sits on the Dense after it), Dense, Softmax
sliced conv1d_r4_5 "$MODELS/conv1d_small_keras.onnx" 5 \
    --config "$(cfg c1 '{"LayerType": {"Conv": {"reuse": 4}, "Dense": {"reuse": 5}}}')"
# a branching graph: slices on the 4 layer-fed inputs (3 on the longest path:
# fcb -> fcc -> the Concat -> fcd), the join FIFOs sized with them
sliced concat_mixed "$GEN/branch_concat.onnx" 3 \
    --config "$(cfg cm '{"LayerName": {"fca_mm": {"reuse": 2}, "fcb_mm": {"reuse": 4}, "fcc_mm": {"reuse": 3}}}')"

# Yosys against the learned estimate, the sliced two_layer_keras at R = 10 / 32
d=$FF_TMP/rtl_slices_two_r10_32
if [ -f "$d/manifest.json" ]; then
    y=$("$FF" synth "$d" --json 2>"$FF_TMP/synth.err")
    e=$("$FF" estimate "$MODELS/two_layer_keras.onnx" --config "$TWO" --part xcu250 --slices --json 2>"$FF_TMP/est.err")
    yl=$(jnum "$y" lut); yf=$(jnum "$y" ff); yr=$(jnum "$y" lutram)
    el=$(jnum "$e" lut); ef=$(jnum "$e" ff)
    if [ -n "$yl" ] && [ -n "$el" ] && [ -n "$yr" ] && [ "$yr" -gt 0 ] &&
        awk -v y="$yl" -v e="$el" -v yf="$yf" -v ef="$ef" \
            'BEGIN { exit !((e - y) / y <= 0.10 && (y - e) / y <= 0.10 && (ef - yf) / yf <= 0.10 && (yf - ef) / yf <= 0.10) }'; then
        pass "rtl_slices_two_r10_32_estimate (Yosys LUT $yl of which $yr LUT RAM, FF $yf; estimate $el, $ef)"
    else
        fail "rtl_slices_two_r10_32_estimate" "Yosys LUT '$yl' (LUT RAM '$yr') FF '$yf', estimate '$el' '$ef': $(tail -n 1 "$FF_TMP/synth.err") $(tail -n 1 "$FF_TMP/est.err")"
    fi
fi

expect_exit rtl_slices_not_stream 2 "[-]-slices applies to io parallel designs" \
    "$FF" gen "$MODELS/conv1d_small_keras.onnx" --backend rtl --io stream --slices -o "$FF_TMP/rtl_slices_bad"
expect_exit rtl_slices_estimate_not_stream 2 "[-]-slices applies to io parallel designs" \
    "$FF" estimate "$MODELS/conv1d_small_keras.onnx" --io stream --slices
expect_exit rtl_slices_rtl_only 2 "gen: [-]-slices applies to --backend rtl" \
    "$FF" gen "$MODELS/two_layer_keras.onnx" --backend hls --slices -o "$FF_TMP/rtl_slices_bad_hls"
if [ ! -e "$FF_TMP/rtl_slices_bad" ] && [ ! -e "$FF_TMP/rtl_slices_bad_hls" ]; then
    pass "rtl_slices_refused_writes_nothing"
else
    fail "rtl_slices_refused_writes_nothing" "a refused gen left a directory"
fi

# a manifest whose burst is not a number of samples: one line, exit 2
d=$FF_TMP/rtl_slices_two_r10_32
if [ -f "$d/manifest.json" ]; then
    rm -rf "$FF_TMP/rtl_slices_badburst" && cp -r "$d" "$FF_TMP/rtl_slices_badburst"
    sed -i 's/"ii_burst_samples":[[:space:]]*[0-9]*/"ii_burst_samples": 1/' "$FF_TMP/rtl_slices_badburst/manifest.json"
    expect_exit rtl_slices_bad_burst 2 "manifest.json: ii_burst_samples must be a number of samples from 3 to 65536" \
        "$FF" sim "$FF_TMP/rtl_slices_badburst"
fi
