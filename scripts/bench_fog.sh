#!/bin/sh
# Fog runtime benchmark on loopback with a real mosquitto (started here on a
# free port, stopped by PID). Measures, in one run:
#   - raw floors: Paho MQTT v5 QoS 1 request/response through the broker, with
#     and without TCP_NODELAY on the client sockets; ZeroMQ DEALER/ROUTER
#   - fogforge robot -> edge -> robot (jet-tagger MLP on the cpu backend), with
#     and without TCP_NODELAY; robot -> cloud direct over ZeroMQ
#   - throughput through one broker and two edge nodes
# Prints one JSON object per line; writes them to ${OUT:-build/bench_fog.jsonl}.
# Usage: BUILD=build scripts/bench_fog.sh   (needs: make all build/fogbench)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
FOGD=$ROOT/$BUILD/fogforge
BENCH=$ROOT/$BUILD/fogbench
OUT=${OUT:-$ROOT/$BUILD/bench_fog.jsonl}
PY=/usr/bin/python3
[ -x "$FOGD" ] && [ -x "$BENCH" ] || { echo "bench_fog: build first: make all $BUILD/fogbench" >&2; exit 2; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/fogbench.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
: > "$OUT"
emit() { echo "$1" | tee -a "$OUT"; }
# summary FILE LABEL: one line from a robot summary
summary() {
    $PY - "$1" "$2" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
t = {k: v for k, v in s["tiers"].items() if v["count"]}
out = {"what": sys.argv[2], "sent": s["sent"], "completed": s["completed"], "lost": s["lost"],
       "deadline_misses": s["deadline_misses"], "duration_s": s["duration_s"], "tiers": t, "nodes": s["nodes"]}
if s["duration_s"] > 0:
    out["throughput_per_s"] = round(s["completed"] / s["duration_s"], 1)
print(json.dumps(out))
PYEOF
}

PORT=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 0\n' "$PORT" > "$DIR/m.conf"
/usr/sbin/mosquitto -c "$DIR/m.conf" > "$DIR/m.log" 2>&1 &
PIDS="$PIDS $!"
BROKER=tcp://127.0.0.1:$PORT
i=0
while ! mosquitto_pub -h 127.0.0.1 -p "$PORT" -t x -m x 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

emit "$("$BENCH" mqtt "$BROKER" 2000 1)"
emit "$("$BENCH" mqtt "$BROKER" 30 0)"
emit "$("$BENCH" zmq 2000)"
emit "$("$BENCH" burst "$BROKER" 20000)"

start_edge() {
    "$FOGD" edge --broker "$BROKER" --id "$1" --workers 2 --log-level warn "$@" 2>>"$DIR/edge.log" &
    PIDS="$PIDS $!"
}
"$FOGD" edge --broker "$BROKER" --id bench-e1 --workers 2 --log-level warn 2>>"$DIR/edge.log" &
E1=$!
PIDS="$PIDS $E1"
sleep 0.5
"$FOGD" robot --broker "$BROKER" --policy edge --rate 1000 --count 3000 --deadline 100 --id bench-r1 \
    --log-level warn > "$DIR/r1.json" 2>>"$DIR/robot.log"
emit "$(summary "$DIR/r1.json" fogforge_robot_edge_robot_mqtt)"
kill -TERM $E1; wait $E1 2>/dev/null

"$FOGD" edge --broker "$BROKER" --id bench-e0 --workers 2 --no-nodelay --log-level warn 2>>"$DIR/edge.log" &
E0=$!
PIDS="$PIDS $E0"
sleep 0.5
"$FOGD" robot --broker "$BROKER" --policy edge --rate 10 --count 30 --deadline 1000 --retry-ms 2000 --no-nodelay \
    --id bench-r0 --log-level warn > "$DIR/r0.json" 2>>"$DIR/robot.log"
emit "$(summary "$DIR/r0.json" fogforge_robot_edge_robot_mqtt_without_nodelay)"
kill -TERM $E0; wait $E0 2>/dev/null

CPORT=$(free_port)
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT" --id bench-c --workers 2 --log-level warn 2>>"$DIR/cloud.log" &
PIDS="$PIDS $!"
"$FOGD" robot --cloud "tcp://127.0.0.1:$CPORT" --policy cloud --rate 1000 --count 3000 --deadline 100 --id bench-rz \
    --log-level warn > "$DIR/rz.json" 2>>"$DIR/robot.log"
emit "$(summary "$DIR/rz.json" fogforge_robot_cloud_robot_zmq)"

"$FOGD" edge --broker "$BROKER" --id bench-t1 --workers 1 --queue 100000 --log-level warn 2>>"$DIR/edge.log" &
T1=$!
"$FOGD" edge --broker "$BROKER" --id bench-t2 --workers 1 --queue 100000 --log-level warn 2>>"$DIR/edge.log" &
T2=$!
PIDS="$PIDS $T1 $T2"
sleep 0.5
"$FOGD" robot --broker "$BROKER" --policy edge --rate 100000 --count 20000 --deadline 10000 --retry-ms 5000 \
    --id bench-rt --log-level warn > "$DIR/rt.json" 2>>"$DIR/robot.log"
emit "$(summary "$DIR/rt.json" throughput_one_broker_two_edges)"
kill -TERM $T1 $T2; wait $T1 $T2 2>/dev/null

# failover: kill -9 one of two edges in the middle of a 500 Hz run
"$FOGD" edge --broker "$BROKER" --id bench-f1 --workers 1 --log-level warn 2>>"$DIR/edge.log" &
F1=$!
PIDS="$PIDS $F1"
"$FOGD" edge --broker "$BROKER" --id bench-f2 --workers 1 --log-level warn 2>>"$DIR/edge.log" &
PIDS="$PIDS $!"
sleep 0.5
"$FOGD" robot --broker "$BROKER" --policy edge --rate 500 --count 2000 --deadline 1000 --id bench-rf \
    --log-level warn > "$DIR/rf.json" 2>>"$DIR/robot.log" &
RF=$!
sleep 2
kill -KILL $F1
wait $RF
emit "$(summary "$DIR/rf.json" failover_kill9_one_of_two_edges)"
