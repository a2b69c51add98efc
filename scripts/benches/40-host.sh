# Host runtime: the cpu backend's overhead per call beside the raw kernel
# (ff_qplan_run), its all-core throughput beside ONNX Runtime measured in the
# same run, and OpenCL (PoCL) latency and throughput, on the jet tagger.
set -eu
make -s -C "$ROOT" "$BUILD/bench_host" >/dev/null
M="$ROOT/tests/models/three_layer_keras.onnx"
B="$BENCH_TMP/jet.tar"
"$FF" bundle create "$M" --wbits 8 --abits 8 -o "$B" 2>/dev/null
cpu=$("$ROOT/$BUILD/bench_host" "$B" 4)
ort=$(node "$ROOT/tests/oracle/ort_run.js" --bench 100000 "$M" | sed -n 's/.*samples_per_s=\([0-9.]*\).*/\1/p')
O="$BENCH_TMP/ocl"
for n in 1 64 1024; do
    "$FF" bench "$B" --backend opencl --batch $n --seconds 1.5 --json > "$O.$n.json"
done
"$FF" bench "$B" --backend opencl --per-layer --batch 64 --seconds 1.5 --json > "$O.pl.json"
# verilator: the RTL back-end's Verilated jet tagger, when this build has fogforge sim
FFS=${FF_SIM:-$FF}
vl="n/a: this build has no fogforge sim (RTL back-end)"
if "$FFS" help 2>/dev/null | grep -q '^  sim '; then
    R="$BENCH_TMP/rtl_jet"
    "$FFS" gen "$M" --backend rtl --wbits 8 --abits 8 --part xcu250 -o "$R" >/dev/null 2>&1
    lib=$("$FFS" sim "$R" --lib --cache "$BENCH_TMP/simcache" 2>/dev/null | tail -n 1)
    VB="$BENCH_TMP/jet_vl.tar"
    "$FF" bundle create "$R/model.ffq" -o "$VB" 2>/dev/null
    "$FF" bundle add "$VB" --verilator "$lib" 2>/dev/null
    v1=$("$FF" bench "$VB" --backend verilator --batch 1 --seconds 1 --json)
    v64=$("$FF" bench "$VB" --backend verilator --batch 64 --seconds 1 --json)
    vl=$(/usr/bin/python3 -c "
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print('batch 1 %.0f inferences/s, p50 %.1f us, %.1f cycles/sample; batch 64 %.0f inferences/s, p50 %.1f us, %.2f cycles/sample'
      % (a['inferences_per_s'], a['p50_us'], a['cycles_per_sample'], b['inferences_per_s'], b['p50_us'], b['cycles_per_sample']))" "$v1" "$v64")
fi
echo "$cpu" > "$BENCH_OUT/40-host-cpu.json"
/usr/bin/python3 - "$cpu" "$ort" "$O.pl.json" "$vl" "$O.1.json" "$O.64.json" "$O.1024.json" <<'PY'
import json, sys
cpu = json.loads(sys.argv[1]); ort = float(sys.argv[2]); pl = json.load(open(sys.argv[3])); vl = sys.argv[4]
ocl = [json.load(open(a)) for a in sys.argv[5:]]
print('jet tagger (three_layer_keras, w8a8), %d cores, machine shared with other jobs' % cpu['cores'])
print('cpu backend overhead per ff_session_infer_raw call beside the raw kernel (ff_qplan_run), one thread:')
print('  1 sample:  raw %.0f ns, session %.0f ns -> overhead %.0f ns (target <= 2000 ns)'
      % (cpu['raw_ns_1'], cpu['session_ns_1'], cpu['overhead_ns_1']))
print('  batch 64:  raw %.1f us, session %.1f us -> overhead %.2f%% (target <= 5%%)'
      % (cpu['raw_ns_64'] / 1e3, cpu['session_ns_64'] / 1e3, cpu['overhead_pct_64']))
best = max(cpu['all_cores_per_s_64'], cpu['all_cores_per_s_1024'])
print('cpu backend throughput, integer, all cores:')
print('  all cores: batch 64 %10.0f /s, batch 1024 %10.0f /s (sustained)'
      % (cpu['all_cores_per_s_64'], cpu['all_cores_per_s_1024']))
print('  one thread: batch 1024 %10.0f /s (sustained), best 2 ms window of single samples %10.0f /s'
      % (cpu['one_thread_per_s_1024'], cpu['cpu1_per_s']))
print('  ONNX Runtime (node, CPU EP, float, 1 thread, 1 sample/call) %10.0f /s' % ort)
print('  ratio fogforge cpu (best) / ONNX Runtime: %.2f (target >= 1)' % (best / ort))
print('opencl backend (%s):' % ocl[0]['device'])
for o in ocl:
    print('  batch %4d  %10.0f inferences/s  p50 %8.1f us  p99 %8.1f us  runtime overhead %.2f us/call'
          % (o['batch'], o['inferences_per_s'], o['p50_us'], o['p99_us'], o['overhead_us']))
print('  per-layer kernels, batch 64: %10.0f inferences/s  p50 %8.1f us' % (pl['inferences_per_s'], pl['p50_us']))
print('verilator backend (Verilated RTL, R=1, xcu250): %s' % vl)
PY
