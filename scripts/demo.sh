#!/bin/sh
# make demo: the main job, end to end, on this machine. A model becomes an
# accelerator (quantized, generated as RTL and HLS, co-simulated bit for bit,
# synthesized), is packaged, and a fleet of robots offloads work to edge nodes
# and the cloud over MQTT and ZeroMQ while one edge node is killed and
# restarted. Everything it starts it stops (by PID); results go to demo-out/.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
FF="$ROOT/$BUILD/fogforge"
OUT="$ROOT/demo-out"
PY=/usr/bin/python3
MODEL="$ROOT/demo/imu_mlp.onnx"
rm -rf "$OUT"
mkdir -p "$OUT"
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
}
trap cleanup EXIT INT TERM
step() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
T0=$(date +%s)

step "1. the model: an IMU collision classifier (calm / wave impact / collision)"
"$FF" inspect "$MODEL" | sed -n '1,14p' || die "inspect failed"

step "2. quantize to w8a8 with 5000 generated IMU windows as calibration"
"$FF" imu --count 5000 --seed 21 -o "$OUT/calib.npy" || die "imu failed"
"$FF" quantize "$MODEL" --calib "$OUT/calib.npy" -o "$OUT/imu.ffq" || die "quantize failed"
"$FF" run "$MODEL" --input "$ROOT/demo/imu_test.npy" -o "$OUT/float.txt"
"$FF" run "$OUT/imu.ffq" --input "$ROOT/demo/imu_test.npy" -o "$OUT/w8a8.txt"
"$PY" - "$OUT" "$ROOT/demo/imu_test_labels.txt" > "$OUT/accuracy.txt" <<'PYEOF'
import sys, numpy as np
out, lab = sys.argv[1], np.loadtxt(sys.argv[2])
for name in ("float", "w8a8"):
    p = np.loadtxt(out + "/" + name + ".txt").argmax(1)
    print("%-6s accuracy on the 2000-window test set: %.2f%%" % (name, 100 * (p == lab).mean()))
PYEOF
cat "$OUT/accuracy.txt"

step "3. RTL for a small part (xc7z020, 220 DSP): generate, co-simulate, synthesize"
# reuse 24 / 8 / 8 keeps ~100 multipliers (the requantizers take DSPs too)
printf '{"Model": {"reuse": 8}, "LayerName": {"/0/0.0/Gemm": {"reuse": 24}}}\n' > "$OUT/config.json"
"$FF" gen "$MODEL" --calib "$OUT/calib.npy" --backend rtl --config "$OUT/config.json" --part xc7z020 -o "$OUT/rtl" || die "gen rtl failed"
"$FF" sim "$OUT/rtl" --vectors 1000 --json > "$OUT/sim.json" || die "co-simulation failed"
"$FF" synth "$OUT/rtl" --json > "$OUT/synth.json" || die "synthesis failed"
cat "$OUT/sim.json" "$OUT/synth.json"

step "4. HLS C++ project for Vitis, checked by C simulation"
"$FF" gen "$MODEL" --calib "$OUT/calib.npy" --backend hls --config "$OUT/config.json" -o "$OUT/hls" || die "gen hls failed"
"$FF" csim "$OUT/hls" | tail -n 3 || die "csim failed"

step "5. package a bundle and run it on the cpu and OpenCL backends"
mkdir -p "$OUT/bundles"
"$FF" bundle create "$OUT/imu.ffq" --with opencl,hls -o "$OUT/bundles/imu.tar" || die "bundle create failed"
"$FF" bundle verify "$OUT/bundles/imu.tar" || die "bundle verify failed"
"$FF" devices
for b in cpu opencl; do
    "$FF" infer "$OUT/bundles/imu.tar" --backend $b --input "$ROOT/demo/imu_test.npy" --raw -o "$OUT/infer_$b.txt" ||
        die "infer on $b failed"
done
"$FF" run "$OUT/imu.ffq" --input "$ROOT/demo/imu_test.npy" --raw -o "$OUT/reference_raw.txt"
for b in cpu opencl; do
    cmp -s "$OUT/infer_$b.txt" "$OUT/reference_raw.txt" && echo "$b: bit-identical to the integer reference" ||
        die "$b differs from the integer reference"
done

step "6. the fleet: mosquitto, 2 edge nodes, 1 cloud node, 8 robots at 100 Hz; edge-0 killed at 6 s, back at 12 s"
# Device speeds are emulated (--compute-us): a robot's own CPU takes 15 ms per
# window, an edge accelerator 0.5 ms, a cloud server 0.2 ms; deadline 20 ms.
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ZPORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\nmax_inflight_messages 0\nmax_queued_messages 100000\n' \
    "$PORT" > "$OUT/mosquitto.conf"
mosquitto -c "$OUT/mosquitto.conf" > "$OUT/mosquitto.log" 2>&1 &
PIDS="$PIDS $!"
BROKER=tcp://127.0.0.1:$PORT
CLOUD=tcp://127.0.0.1:$ZPORT
sleep 0.5
"$FF" cloud --bind "$CLOUD" --id cloud-0 --workers 4 --compute-us 200 --log-level warn 2> "$OUT/cloud.log" &
PIDS="$PIDS $!"
"$FF" edge --broker "$BROKER" --cloud "$CLOUD" --id edge-0 --workers 1 --compute-us 500 --log-level warn 2> "$OUT/edge-0.log" &
E0=$!
PIDS="$PIDS $E0"
"$FF" edge --broker "$BROKER" --cloud "$CLOUD" --id edge-1 --workers 1 --compute-us 500 --log-level warn 2> "$OUT/edge-1.log" &
PIDS="$PIDS $!"
sleep 1
RP=""
for r in 0 1 2 3 4 5 6 7; do
    "$FF" robot --broker "$BROKER" --cloud "$CLOUD" --id "robot-$r" --rate 100 --deadline 20 --duration-s 18 --compute-us 15000 \
        --count 1800 --seed "$r" --stats-interval-ms 0 --log-level warn --latencies "$OUT/lat-$r.txt" \
        > "$OUT/robot-$r.json" 2> "$OUT/robot-$r.log" &
    RP="$RP $!"
done
PIDS="$PIDS $RP"
sleep 6
kill -9 "$E0" 2>/dev/null && echo "t=6s: edge-0 killed (kill -9)"
sleep 6
"$FF" edge --broker "$BROKER" --cloud "$CLOUD" --id edge-0 --workers 1 --compute-us 500 --log-level warn 2>> "$OUT/edge-0.log" &
PIDS="$PIDS $!"
echo "t=12s: edge-0 restarted"
for p in $RP; do wait "$p"; done

step "7. report"
"$PY" - "$OUT" <<'PYEOF' | tee "$OUT/report.md"
import json, sys, glob
out = sys.argv[1]
rows = [json.load(open(f)) for f in sorted(glob.glob(out + "/robot-*.json"))]
tot = lambda k: sum(r.get(k, 0) for r in rows)
print("# fogforge demo report\n")
print(open(out + "/accuracy.txt").read())
sim = json.load(open(out + "/sim.json")); syn = json.load(open(out + "/synth.json"))
print("RTL (xc7z020, reuse 24/8/8): latency %s cycles, II %s, bit-exact: %s; Yosys: %s LUT, %s FF, %s DSP, %s BRAM18\n" % (
    sim.get("latency_cycles"), sim.get("ii"), sim.get("bit_exact"), syn["total"].get("lut"), syn["total"].get("ff"),
    syn["total"].get("dsp"), syn["total"].get("bram18")))
print("Fleet: %d robots, %d tasks sent, %d completed, %d deadline misses, %d lost\n" % (
    len(rows), tot("sent"), tot("completed"), tot("deadline_misses") if "deadline_misses" in rows[0] else tot("missed"), tot("lost")))
print("| tier | tasks | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
tiers = {}
for r in rows:
    for t, v in (r.get("tiers") or {}).items():
        tiers.setdefault(t, []).append(v)
for t, vs in sorted(tiers.items()):
    n = sum(v.get("count", 0) for v in vs)
    print("| %s | %d | %.2f | %.2f | %.2f |" % (t, n, max(v.get("p50_ms", 0) for v in vs), max(v.get("p99_ms", 0) for v in vs),
                                            max(v.get("max_ms", 0) for v in vs)))
print("\n(per-tier p50/p99 above are the worst robot's)")
PYEOF
echo
echo "demo finished in $(( $(date +%s) - T0 )) s; outputs in demo-out/"
