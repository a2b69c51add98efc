# HLS back-end: wall time of `fogforge gen --backend hls` (load, quantize,
# 1000 golden vectors through the integer reference, every project file,
# the .ffq copy), best of 15 runs, for the jet tagger and dense_big_keras.
set -eu
M="$ROOT/tests/models"
T=$BENCH_TMP/hls
mkdir -p "$T"
best_ms() {
    best=999999
    for i in $(seq 15); do
        s=$(date +%s%N)
        "$FF" gen "$1" --backend hls -o "$T/p" 2>/dev/null
        e=$(date +%s%N)
        ms=$(( (e - s) / 1000 ))
        [ $ms -lt $best ] && best=$ms
    done
    echo "$best"
}
j=$(best_ms "$M/three_layer_keras.onnx")
d=$(best_ms "$M/dense_big_keras.onnx")
awk -v j="$j" -v d="$d" 'BEGIN {
    printf "gen --backend hls three_layer_keras.onnx: %.1f ms wall, best of 15 (target <= 50 ms)\n", j / 1000
    printf "gen --backend hls dense_big_keras.onnx:   %.1f ms wall, best of 15 (target <= 200 ms)\n", d / 1000
}'
