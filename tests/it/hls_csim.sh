# HLS back-end on every supported shared model: at reuse 1 and at a larger
# valid reuse, with --io parallel and --io stream, the generated C++ compiles
# with g++ -std=c++14 -Wall -Wextra -Werror (one g++ run per project) and its
# C simulation equals the integer reference bit for bit on 1000 vectors
# (the golden vectors gen writes), through both the Vitis kernel top and the
# AXI4-Stream IP top.
. "$ROOT/tests/it/lib.sh"
cd "$FF_TMP" || exit 1

# Per-layer reuse where one factor does not fit every layer (rule: R divides
# n_in, or n_in divides R and R divides n_in*n_out; hls/emit.h).
echo '{"LayerType": {"Conv": {"reuse": 4}, "Dense": {"reuse": 5}}}' > hls_r_conv1d.json
echo '{"LayerType": {"Conv": {"reuse": 3}, "Dense": {"reuse": 8}}}' > hls_r_conv2d.json

csim_case() {
    name=$1; shift
    dir=hls_$name
    rm -rf "$dir"
    if ! "$FF" gen "$@" --backend hls -o "$dir" 2>gen.err; then
        fail "hls_csim_$name" "gen: $(cat gen.err)"
        return
    fi
    if "$FF" csim "$dir" >csim.out 2>&1 &&
        grep -q '^csim: 1000 samples, 0 mismatching via the kernel top, 0 via the AXI4-Stream top$' csim.out; then
        pass "hls_csim_$name"
    else
        fail "hls_csim_$name" "$(tail -n 4 csim.out | tr '\n' ' ')"
    fi
    rm -rf "$dir"
}

for io in parallel stream; do
    for m in three_layer_keras three_layer_pytorch three_layer_bn_keras dense_big_keras; do
        csim_case "${m}_r1_$io" "$MODELS/$m.onnx" --io $io
        csim_case "${m}_r4_$io" "$MODELS/$m.onnx" --io $io --reuse 4
    done
    csim_case "two_layer_keras_r1_$io" "$MODELS/two_layer_keras.onnx" --io $io
    csim_case "two_layer_keras_r2_$io" "$MODELS/two_layer_keras.onnx" --io $io --reuse 2
    csim_case "conv1d_small_keras_r1_$io" "$MODELS/conv1d_small_keras.onnx" --io $io
    csim_case "conv1d_small_keras_rcfg_$io" "$MODELS/conv1d_small_keras.onnx" --io $io --config hls_r_conv1d.json
    csim_case "conv2d_small_keras_r1_$io" "$MODELS/conv2d_small_keras.onnx" --io $io
    csim_case "conv2d_small_keras_rcfg_$io" "$MODELS/conv2d_small_keras.onnx" --io $io --config hls_r_conv2d.json
done

# an .ffq with 16-bit weights and activations, and more vectors than gen writes
"$FF" quantize "$MODELS/three_layer_keras.onnx" --wbits 16 --abits 16 -o jet16.ffq 2>/dev/null
"$FF" gen jet16.ffq --backend hls --io stream -o hls_jet16 2>/dev/null
if "$FF" csim hls_jet16 -n 3000 --seed 7 >csim.out 2>&1 && grep -q '^csim: 3000 samples, 0 mismatching' csim.out; then
    pass hls_csim_jet_w16a16_3000_vectors
else
    fail hls_csim_jet_w16a16_3000_vectors "$(tail -n 3 csim.out | tr '\n' ' ')"
fi

# a broken layer is found, named, and located by its per-layer trace
sed -i 's/acc\[o\] += \(.*_Dense_1_w\)/acc[o] -= \1/' hls_jet16/firmware/layers.cpp
"$FF" csim hls_jet16 >csim.out 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "^mismatch: sample 0 output" csim.out &&
    grep -Eq "^csim: sample 0: first difference in layer '_class__keras_layers_core_Dense__1' \(Dense, node 1\)" csim.out; then
    pass hls_csim_names_the_failing_layer
else
    fail hls_csim_names_the_failing_layer "exit $rc: $(tail -n 2 csim.out | tr '\n' ' ')"
fi
