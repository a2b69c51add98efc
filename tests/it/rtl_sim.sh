# RTL back-end co-simulation: every supported model, at R=1 and two larger
# reuse factors, bit-exact against the integer reference on 1000 random
# vectors with random valid/ready stalls; latency and II measured by
# `fogforge sim` equal the manifest's. Verilator builds are cached by content
# hash under $FF_RTL_CACHE (default $BUILD/rtl-cache), so only the first run
# pays for them.
. "$ROOT/tests/it/lib.sh"
GEN=$MODELS/gen

cosim() { rtl_cosim rtl "$@"; }

cfg() { printf '%s\n' "$2" > "$FF_TMP/$1.json"; echo "$FF_TMP/$1.json"; }

# small generated models: each layer type and activation alone or in short chains
cosim dense_tanh "$GEN/dense_mixed.onnx"                 # Dense + tanh LUT, Dense
cosim dense_tanh_r3 "$GEN/dense_mixed.onnx" --config "$(cfg dm3 '{"LayerName": {"fc1": {"reuse": 4}, "fc2": {"reuse": 3}}}')"
cosim scale_acts "$GEN/consts_op13.onnx"                 # Scale, Clip, LeakyReLU, Elu, Selu, Dense
cosim scale_acts_r3 "$GEN/consts_op13.onnx" --config "$(cfg so3 '{"LayerName": {"sub_xc": {"reuse": 3}, "sub_cx": {"reuse": 3}, "fc": {"reuse": 3}}}')"
cosim conv1d_gmaxpool "$GEN/conv1d_bn.onnx"              # Transpose, Conv1D, GlobalMaxPool, Reshape
cosim scale_gavgpool "$GEN/unordered_op11.onnx"          # per-channel Scale on axis 1, GlobalAveragePool
cosim w4a6 "$GEN/dense_mixed.onnx" --wbits 4 --abits 6

# the shared hls4ml models. Verilator builds dominate (20-40 s each on 2 cores),
# so `make test` runs one to three reuse settings per model; FF_RTL_FULL=1 runs
# the whole matrix (every model at R=1 and two larger reuse factors).
cosim jet_r1 "$MODELS/three_layer_keras.onnx" --reuse 1
cosim jet_r16 "$MODELS/three_layer_keras.onnx" --reuse 16
cosim two_layer_r10_32 "$MODELS/two_layer_keras.onnx" --config "$(cfg tl '{"LayerName": {"_class__keras_layers_core_Dense__": {"reuse": 10}, "_class__keras_layers_core_Dense__1": {"reuse": 32}}}')"
cosim conv1d_r4 "$MODELS/conv1d_small_keras.onnx" --config "$(cfg c1a '{"Model": {"reuse": 4}, "LayerName": {"Gemm_9": {"reuse": 5}, "Gemm_11": {"reuse": 5}}}')"
cosim conv2d_r1 "$MODELS/conv2d_small_keras.onnx" --reuse 1
cosim bn_r8 "$MODELS/three_layer_bn_keras.onnx" --reuse 8
# io stream (one pixel per beat, line-buffer Conv and pooling): the shared
# conv models at two reuse settings each, and generated models covering each
# streaming layer type (same/strided/asymmetric-padded Conv2D and Conv1D, Max
# and Average pooling, a standalone Sigmoid, BatchNorm, the collector before
# Dense/Softmax, an image output)
cosim stream_conv2d_r1 "$MODELS/conv2d_small_keras.onnx" --io stream --reuse 1
cosim stream_conv2d_r3 "$MODELS/conv2d_small_keras.onnx" --io stream --config "$(cfg s2a '{"LayerName": {"Conv2D__": {"reuse": 3}, "Gemm_6": {"reuse": 8}}}')"
cosim stream_conv1d_r1 "$MODELS/conv1d_small_keras.onnx" --io stream --reuse 1
cosim stream_conv1d_r4 "$MODELS/conv1d_small_keras.onnx" --config "$(cfg s1a '{"Model": {"reuse": 4, "io": "stream"}, "LayerName": {"Gemm_9": {"reuse": 5}, "Gemm_11": {"reuse": 5}}}')"
cosim stream_gen2d "$GEN/stream_conv2d.onnx" --io stream
cosim stream_gen1d "$GEN/stream_conv1d.onnx" --io stream
if [ -n "${FF_RTL_FULL:-}" ]; then
    cosim stream_gen2d_r "$GEN/stream_conv2d.onnx" --config "$(cfg s2r '{"Model": {"io": "stream"}, "LayerName": {"conv_same": {"reuse": 6}, "conv_s2": {"reuse": 12}, "bn": {"reuse": 2}}}')"
    cosim jet_r4 "$MODELS/three_layer_keras.onnx" --reuse 4
    cosim jet_w16a16_r1 "$MODELS/three_layer_keras.onnx" --reuse 1 --wbits 16 --abits 16
    cosim pytorch_r1 "$MODELS/three_layer_pytorch.onnx" --reuse 1
    cosim pytorch_r2 "$MODELS/three_layer_pytorch.onnx" --reuse 2
    cosim pytorch_r32 "$MODELS/three_layer_pytorch.onnx" --reuse 32
    cosim bn_r1 "$MODELS/three_layer_bn_keras.onnx" --reuse 1
    cosim bn_r32 "$MODELS/three_layer_bn_keras.onnx" --reuse 32
    cosim two_layer_r1 "$MODELS/two_layer_keras.onnx" --reuse 1
    cosim two_layer_r2 "$MODELS/two_layer_keras.onnx" --reuse 2
    cosim dense_big_r25 "$MODELS/dense_big_keras.onnx" --config "$(cfg db1 '{"Model": {"reuse": 25}, "LayerName": {"_class__keras_layers_core_Dense__": {"reuse": 8}}}')"
    cosim dense_big_r4 "$MODELS/dense_big_keras.onnx" --reuse 4
    cosim dense_big_r100 "$MODELS/dense_big_keras.onnx" --config "$(cfg db3 '{"Model": {"reuse": 100}, "LayerName": {"_class__keras_layers_core_Dense__": {"reuse": 16}}}')"
    cosim conv1d_r1 "$MODELS/conv1d_small_keras.onnx" --reuse 1
    cosim conv1d_r16 "$MODELS/conv1d_small_keras.onnx" --config "$(cfg c1b '{"LayerName": {"Conv1D__": {"reuse": 16}, "Conv1D__1": {"reuse": 12}, "Conv1D__2": {"reuse": 8}, "Gemm_9": {"reuse": 10}, "Gemm_11": {"reuse": 5}}}')"
    cosim conv2d_r3 "$MODELS/conv2d_small_keras.onnx" --config "$(cfg c2a '{"LayerName": {"Conv2D__": {"reuse": 3}, "Gemm_6": {"reuse": 8}}}')"
    cosim conv2d_r9 "$MODELS/conv2d_small_keras.onnx" --config "$(cfg c2b '{"LayerName": {"Conv2D__": {"reuse": 9}, "Gemm_6": {"reuse": 32}}}')"
fi
