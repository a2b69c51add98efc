# Core: load + passes + quantize time, and float / integer reference
# throughput beside ONNX Runtime's single-thread CPU throughput (same run).
set -eu
B="$ROOT/$BUILD/bench_core"
make -s -C "$ROOT" "$BUILD/bench_core" >/dev/null
M="$ROOT/tests/models"
out=$("$B" "$M/dense_big_keras.onnx" "$M/three_layer_keras.onnx" 2)
ort=$(node "$ROOT/tests/oracle/ort_run.js" --bench 100000 "$M/three_layer_keras.onnx" | sed -n 's/.*samples_per_s=\([0-9.]*\).*/\1/p')
echo "$out" | /usr/bin/python3 -c "
import json, sys
d = json.load(sys.stdin); ort = float('$ort')
print('load+passes+quantize dense_big_keras.onnx: %.2f ms (target <= 20 ms)' % d['load_quantize_ms'])
print('jet tagger, one sample per call, one thread:')
print('  ONNX Runtime (node, CPU EP)  %10.0f inferences/s' % ort)
print('  fogforge float reference     %10.0f inferences/s  ratio %.2f (target >= 0.5)' % (d['float_per_s'], d['float_per_s'] / ort))
print('  fogforge integer reference   %10.0f inferences/s  ratio %.2f (target >= 1)' % (d['int_per_s'], d['int_per_s'] / ort))
"
