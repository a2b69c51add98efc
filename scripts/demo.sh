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
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    PIDS=""
    if [ -n "${NETPID:-}" ]; then
        kill "$NETPID" 2>/dev/null
        wait "$NETPID" 2>/dev/null
        NETPID=""
    fi
}
# on SIGINT/SIGTERM: stop everything started (by PID), then exit 130/143
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
step() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
T0=$(date +%s)


step "1. the model: an IMU collision classifier (calm / wave impact / collision)"
"$FF" inspect "$MODEL" | sed -n '1,14p' || die "inspect failed"

step "2. quantize to w8a8 with 5000 generated IMU windows as calibration"
"$FF" imu --count 5000 --seed 21 -o "$OUT/calib.npy" || die "imu failed"
"$FF" quantize "$MODEL" --calib "$OUT/calib.npy" -o "$OUT/imu.ffq" || die "quantize failed"

step "3. explore: per-layer reuse and bit widths for xc7z020 under a latency bound (the surrogate, no synthesis)"
# at most 60 cycles and 160 of the part's 220 DSPs (the rest stays free for
# a user's logic); the accuracy floor is argmax agreement with the float model
"$FF" explore "$MODEL" --part xc7z020 --calib "$OUT/calib.npy" --max-latency 60 --max-dsp 160 \
    -o "$OUT/config.json" | tee "$OUT/explore.txt" || die "explore found no design"
cat "$OUT/config.json"
"$FF" estimate "$MODEL" --calib "$OUT/calib.npy" --config "$OUT/config.json" --part xc7z020 || die "estimate failed"
"$FF" estimate "$MODEL" --calib "$OUT/calib.npy" --config "$OUT/config.json" --part xc7z020 --json > "$OUT/estimate.json"
"$FF" quantize "$MODEL" --calib "$OUT/calib.npy" --config "$OUT/config.json" -o "$OUT/imu_explore.ffq" || die "quantize failed"
"$FF" run "$MODEL" --input "$ROOT/demo/imu_test.npy" -o "$OUT/float.txt"
"$FF" run "$OUT/imu.ffq" --input "$ROOT/demo/imu_test.npy" -o "$OUT/w8a8.txt"
"$FF" run "$OUT/imu_explore.ffq" --input "$ROOT/demo/imu_test.npy" -o "$OUT/explore.txt.out"
mv "$OUT/explore.txt.out" "$OUT/explored.txt"
"$PY" - "$OUT" "$ROOT/demo/imu_test_labels.txt" > "$OUT/accuracy.txt" <<'PYEOF'
import sys, numpy as np
out, lab = sys.argv[1], np.loadtxt(sys.argv[2])
for name, key in (("float", "float"), ("w8a8", "w8a8"), ("explored", "explore")):
    p = np.loadtxt(out + "/" + name + ".txt").argmax(1)
    print("%-8s accuracy on the 2000-window test set: %.2f%%%s" % (key, 100 * (p == lab).mean(),
          "  (the configuration explore picked; the bundle's)" if key == "explore" else ""))
PYEOF
cat "$OUT/accuracy.txt"

step "4. RTL of explore's design: generate, co-simulate, synthesize; estimate beside measured"
"$FF" gen "$MODEL" --calib "$OUT/calib.npy" --backend rtl --config "$OUT/config.json" --part xc7z020 -o "$OUT/rtl" || die "gen rtl failed"
"$FF" sim "$OUT/rtl" --vectors 1000 --cache "$OUT/simcache" --json > "$OUT/sim.json" || die "co-simulation failed"
"$FF" synth "$OUT/rtl" --json > "$OUT/synth.json" || die "synthesis failed"
"$PY" - "$OUT" <<'PYEOF' | tee "$OUT/est_vs_measured.md"
import json, sys
out = sys.argv[1]
est, sim, syn = (json.load(open(out + "/" + f)) for f in ("estimate.json", "sim.json", "synth.json"))
print("| | LUT | FF | DSP | BRAM18 | latency (cycles) | II |\n|---|---|---|---|---|---|---|")
t = est["total"]
print("| estimate (%s) | %d | %d | %d | %d | %d | %d |" % (est.get("estimator"), t["lut"], t["ff"], t["dsp"], t["bram18"],
                                                      est["latency_cycles"], est["ii"]))
s = syn["total"]
print("| measured (Yosys, Verilator) | %d | %d | %d | %d | %d | %d |" % (s["lut"], s["ff"], s["dsp"], s["bram18"],
                                                                     sim["latency_cycles"], sim["ii"]))
PYEOF

step "5. HLS C++ project for Vitis, checked by C simulation"
"$FF" gen "$MODEL" --calib "$OUT/calib.npy" --backend hls --config "$OUT/config.json" -o "$OUT/hls" || die "gen hls failed"
"$FF" csim "$OUT/hls" | tail -n 3 || die "csim failed"

step "6. package a bundle (OpenCL, RTL + its Verilator library, HLS) and run it on cpu, OpenCL and Verilator"
mkdir -p "$OUT/bundles"
# the Verilator library comes from step 3's build (same RTL, --sim-cache)
"$FF" bundle create "$MODEL" --calib "$OUT/calib.npy" --config "$OUT/config.json" --with opencl,rtl,hls \
    --sim-cache "$OUT/simcache" --name imu -o "$OUT/bundles/imu.tar" || die "bundle create failed"
"$FF" bundle verify "$OUT/bundles/imu.tar" || die "bundle verify failed"
"$FF" devices
"$FF" run "$OUT/imu_explore.ffq" --input "$ROOT/demo/imu_test.npy" --raw -o "$OUT/reference_raw.txt"
for b in cpu opencl verilator; do
    "$FF" infer "$OUT/bundles/imu.tar" --backend $b --input "$ROOT/demo/imu_test.npy" --raw -o "$OUT/infer_$b.txt" ||
        die "infer on $b failed"
    cmp -s "$OUT/infer_$b.txt" "$OUT/reference_raw.txt" && echo "$b: bit-identical to the integer reference" ||
        die "$b differs from the integer reference"
done

step "7. the fleet: mosquitto, edge-0 (Verilator: the emulated FPGA), edge-1 (OpenCL), cloud-0 (cpu), 8 robots streaming IMU windows at 100 Hz"
# Edges and cloud run the real bundle on their backends (no emulated speed).
# The robots' own CPU is emulated as a microcontroller (--compute-us 15000:
# 15 ms per window, the only speed that is modelled). edge-0 is killed
# (kill -9) at 6 s and restarted at 12 s.
# As root, the fleet runs on an emulated network (`fogforge net`, the
# namespaces and link emulator of `fogforge eval`): broker and robots in one
# namespace, the edges 2 ms (±0.5) away, the cloud 30 ms (±10, 1% frame
# loss) away, and each window has a 50 ms deadline. Without root (or with
# FF_DEMO_NET=loopback) everything runs on 127.0.0.1 with a 20 ms deadline.
NETPID=""
IN_DEV="" IN_EDGE="" IN_CLOUD=""
if [ "$(id -u)" = 0 ] && [ "${FF_DEMO_NET:-wan}" != loopback ]; then
    "$FF" net --edge-rtt 2 --edge-jitter 0.5 --cloud-rtt 30 --cloud-jitter 10 --cloud-loss 0.01 > "$OUT/net.txt" 2> "$OUT/net.log" &
    NETPID=$!
    for i in $(seq 50); do grep -q '^ready' "$OUT/net.txt" 2>/dev/null && break; sleep 0.1; done
    grep -q '^ready' "$OUT/net.txt" || die "fogforge net did not come up: $(cat "$OUT/net.log")"
    ns() { awk -v r="$1" '$1 == "ns" && $2 == r { print $3 }' "$OUT/net.txt"; }
    IN_DEV="ip netns exec $(ns dev)"
    IN_EDGE="ip netns exec $(ns edge)"
    IN_CLOUD="ip netns exec $(ns cloud)"
    BROKER_IP=10.203.0.1
    CLOUD_IP=10.203.0.3
    DEADLINE=50
    echo "network: namespaces; edge link 2 ms ±0.5, cloud link 30 ms ±10 with 1% frame loss ($(sed -n 's/^shaper //p' "$OUT/net.txt"))" |
        tee "$OUT/network.txt"
else
    BROKER_IP=127.0.0.1
    CLOUD_IP=127.0.0.1
    DEADLINE=20
    echo "network: loopback (not root, or FF_DEMO_NET=loopback): no link emulation; the cloud is as close as the edges" |
        tee "$OUT/network.txt"
fi
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ZPORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s %s\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 100000\n' \
    "$PORT" "$BROKER_IP" > "$OUT/mosquitto.conf"
$IN_DEV mosquitto -c "$OUT/mosquitto.conf" > "$OUT/mosquitto.log" 2>&1 &
PIDS="$PIDS $!"
BROKER=tcp://$BROKER_IP:$PORT
CLOUD=tcp://$CLOUD_IP:$ZPORT
DUR=18
KILL_AT=6
BACK_AT=12
sleep 0.5
$IN_CLOUD "$FF" cloud --bind "$CLOUD" --id cloud-0 --workers 2 --bundles "$OUT/bundles" --backend cpu --log-level info 2> "$OUT/cloud.log" &
PIDS="$PIDS $!"
edge() { # edge ID BACKEND
    $IN_EDGE "$FF" edge --broker "$BROKER" --cloud "$CLOUD" --id "$1" --workers 1 --bundles "$OUT/bundles" --backend "$2" \
        --status-interval-ms 250 --log-level info 2>> "$OUT/$1.log" &
    PIDS="$PIDS $!"
    LAST=$!
}
edge edge-0 verilator
E0=$LAST
edge edge-1 opencl
sleep 1.5
: > "$OUT/events.txt"
$IN_DEV "$FF" monitor --broker "$BROKER" --cloud "$CLOUD" --cloud-id cloud-0 --duration-s $((DUR + 3)) --refresh-ms 500 \
    --log "$OUT/monitor.log" &
MON=$!
PIDS="$PIDS $MON"
T_START=$(date +%s.%N)
RP=""
for r in 0 1 2 3 4 5 6 7; do
    $IN_DEV "$FF" robot --broker "$BROKER" --cloud "$CLOUD" --id "robot-$r" --bundle imu --bundles "$OUT/bundles" --imu \
        --rate 100 --deadline $DEADLINE --duration-s $DUR --count 100000 --compute-us 15000 --seed "$((r + 1))" \
        --stats-interval-ms 0 --publish-ms 500 --log-level warn --tasks "$OUT/tasks-$r.txt" \
        > "$OUT/robot-$r.json" 2> "$OUT/robot-$r.log" &
    RP="$RP $!"
done
PIDS="$PIDS $RP"
sleep $KILL_AT
kill -9 "$E0" 2>/dev/null && echo "$(date +%s.%N) kill edge-0" >> "$OUT/events.txt"
sleep $((BACK_AT - KILL_AT))
edge edge-0 verilator
echo "$(date +%s.%N) restart edge-0" >> "$OUT/events.txt"
for p in $RP; do wait "$p"; done
wait "$MON" 2>/dev/null
echo "start $T_START" >> "$OUT/events.txt"
cleanup
# the network last: stopping it removes the namespaces (and anything left in them)
if [ -n "$NETPID" ]; then
    kill "$NETPID" 2>/dev/null
    wait "$NETPID" 2>/dev/null
    NETPID=""
fi

step "8. report"
"$PY" "$ROOT/scripts/demo_report.py" "$OUT" "$ROOT/demo" || die "report failed"
cat "$OUT/report.md"
echo
echo "demo finished in $(( $(date +%s) - T0 )) s; outputs in demo-out/ (report: demo-out/report.md)"
