#!/bin/sh
# Fog runtime benchmark on loopback with a real mosquitto (started here on a
# free port, stopped by PID). The machine is shared, so every fogforge
# figure is measured next to its floor, in ROUNDS interleaved rounds, and the
# ratios are taken per round (median reported last):
#   - MQTT: Paho v5 QoS 1 request/response through the broker (the floor,
#     same fog/mqtt.c client, no codec or compute) vs fogforge robot -> edge
#     -> robot (jet-tagger MLP on the cpu backend) at 1 kHz
#   - ZeroMQ: DEALER/ROUTER round trip back to back (both ends in one
#     process, and in two processes as robot and node are) vs fogforge robot
#     -> cloud and robot -> edge (direct path) closed loop (next task when the
#     last one is back); and the floor paced at 1 kHz vs fogforge at 1 kHz
#   - throughput through one broker and two edge nodes (CPU time of every
#     process per task) vs the QoS 1 request/response throughput floor
#     through the same broker (two echo processes)
# plus, once: both without TCP_NODELAY, a QoS 1 burst, and failover.
# Prints one JSON object per line; writes them to ${OUT:-build/bench_fog.jsonl}.
# Usage: BUILD=build [ROUNDS=3] scripts/bench_fog.sh   (needs: make all build/fogbench)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
FOGD=$ROOT/$BUILD/fogforge
BENCH=$ROOT/$BUILD/fogbench
OUT=${OUT:-$ROOT/$BUILD/bench_fog.jsonl}
ROUNDS=${ROUNDS:-3}
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
ROUND=0
# emit JSON: tags it with the round and appends it to OUT
emit() {
    line=$($PY -c 'import json,sys; d=json.loads(sys.argv[1]); d["round"]=int(sys.argv[2]); print(json.dumps(d))' "$1" "$ROUND")
    echo "$line" | tee -a "$OUT"
}
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
# robot LABEL ARGS...: runs a robot, emits its summary
robot() {
    label=$1; shift
    "$FOGD" robot --log-level warn "$@" > "$DIR/r.json" 2>>"$DIR/robot.log"
    emit "$(summary "$DIR/r.json" "$label")"
}

PORT=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 0\n' "$PORT" > "$DIR/m.conf"
/usr/sbin/mosquitto -c "$DIR/m.conf" > "$DIR/m.log" 2>&1 &
MOSQ=$!
PIDS="$PIDS $MOSQ"
BROKER=tcp://127.0.0.1:$PORT
i=0
while ! mosquitto_pub -h 127.0.0.1 -p "$PORT" -t x -m x 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# the nodes of the latency rounds: an edge (MQTT and --zmq-bind) and a cloud
ZPORT=$(free_port)
CPORT=$(free_port)
"$FOGD" edge --broker "$BROKER" --id bench-e1 --workers 2 --zmq-bind "tcp://127.0.0.1:$ZPORT" --log-level warn 2>>"$DIR/edge.log" &
E1=$!
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT" --id bench-c --workers 2 --log-level warn 2>>"$DIR/cloud.log" &
C1=$!
PIDS="$PIDS $E1 $C1"
sleep 0.5
while [ $ROUND -lt "$ROUNDS" ]; do
    ROUND=$((ROUND + 1))
    emit "$("$BENCH" mqtt "$BROKER" 1000 1)"
    robot fogforge_robot_edge_robot_mqtt --broker "$BROKER" --policy edge --rate 1000 --count 2000 --deadline 100 --id bench-r1
    emit "$("$BENCH" zmq 2000)"
    emit "$("$BENCH" zmq 2000 0 2)"
    robot fogforge_robot_cloud_robot_zmq_closed_loop --cloud "tcp://127.0.0.1:$CPORT" --policy cloud --closed-loop \
        --count 2000 --deadline 100 --id bench-rzc
    robot fogforge_robot_edge_robot_zmq_direct_closed_loop --edge-zmq "tcp://127.0.0.1:$ZPORT" --policy edge --closed-loop \
        --count 2000 --deadline 100 --id bench-rezc
    emit "$("$BENCH" zmq 1000 1000 2)"
    robot fogforge_robot_cloud_robot_zmq --cloud "tcp://127.0.0.1:$CPORT" --policy cloud --rate 1000 --count 1000 \
        --deadline 100 --id bench-rz
    robot fogforge_robot_edge_robot_zmq_direct --edge-zmq "tcp://127.0.0.1:$ZPORT" --policy edge --rate 1000 --count 1000 \
        --deadline 100 --id bench-rez
done
kill -TERM $E1 $C1; wait $E1 $C1 2>/dev/null

# cpu_ticks PID...: user+system clock ticks of these processes so far
cpu_ticks() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s}'; }
TICK=$(getconf CLK_TCK)
ROUND=0
while [ $ROUND -lt "$ROUNDS" ]; do
    ROUND=$((ROUND + 1))
    emit "$("$BENCH" pipeline "$BROKER" 20000)"
    "$FOGD" edge --broker "$BROKER" --id bench-t1 --workers 1 --queue 100000 --log-level warn 2>>"$DIR/edge.log" &
    T1=$!
    "$FOGD" edge --broker "$BROKER" --id bench-t2 --workers 1 --queue 100000 --log-level warn 2>>"$DIR/edge.log" &
    T2=$!
    PIDS="$PIDS $T1 $T2"
    sleep 0.5
    c0=$(cpu_ticks "$MOSQ" $T1 $T2)
    /usr/bin/time -f '%U %S' -o "$DIR/rt.time" "$FOGD" robot --broker "$BROKER" --policy edge --rate 100000 --count 20000 \
        --deadline 10000 --retry-ms 5000 --id bench-rt --log-level warn > "$DIR/rt.json" 2>>"$DIR/robot.log"
    c1=$(cpu_ticks "$MOSQ" $T1 $T2)
    line=$(summary "$DIR/rt.json" throughput_one_broker_two_edges)
    emit "$($PY -c 'import json,sys
d = json.loads(sys.argv[1]); u, s = map(float, open(sys.argv[2]).read().split()[-2:])
daemons = (float(sys.argv[4]) - float(sys.argv[3])) / float(sys.argv[5])
d["cpu_s"] = {"broker_and_edges": round(daemons, 2), "robot": round(u + s, 2)}
d["cpu_us_per_task"] = round((daemons + u + s) / max(d["completed"], 1) * 1e6, 1)
print(json.dumps(d))' "$line" "$DIR/rt.time" "$c0" "$c1" "$TICK")"
    kill -TERM $T1 $T2; wait $T1 $T2 2>/dev/null
done

ROUND=0
emit "$("$BENCH" mqtt "$BROKER" 30 0)"
"$FOGD" edge --broker "$BROKER" --id bench-e0 --workers 2 --no-nodelay --log-level warn 2>>"$DIR/edge.log" &
E0=$!
PIDS="$PIDS $E0"
sleep 0.5
robot fogforge_robot_edge_robot_mqtt_without_nodelay --broker "$BROKER" --policy edge --rate 10 --count 30 --deadline 1000 \
    --retry-ms 2000 --no-nodelay --id bench-r0
kill -TERM $E0; wait $E0 2>/dev/null
emit "$("$BENCH" burst "$BROKER" 20000)"

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

# ratios of p50s (and throughputs) measured in the same round; median over rounds
$PY - "$OUT" <<'PYEOF' | tee -a "$OUT"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def val(j):
    if "p50_ms" in j: return j["p50_ms"]
    if "per_s" in j: return j["per_s"]
    if j["what"].startswith("throughput"): return j.get("throughput_per_s")
    return next((v["p50_ms"] for v in j.get("tiers", {}).values() if v.get("count")), None)
by = {}
for j in rows:
    if j.get("round"): by.setdefault(j["round"], {})[j["what"]] = val(j)
pairs = [("fogforge_robot_edge_robot_mqtt", "mqtt_qos1_floor"),
         ("fogforge_robot_cloud_robot_zmq_closed_loop", "zmq_dealer_router_floor"),
         ("fogforge_robot_cloud_robot_zmq_closed_loop", "zmq_dealer_router_floor_two_processes"),
         ("fogforge_robot_edge_robot_zmq_direct_closed_loop", "zmq_dealer_router_floor"),
         ("fogforge_robot_edge_robot_zmq_direct_closed_loop", "zmq_dealer_router_floor_two_processes"),
         ("fogforge_robot_cloud_robot_zmq", "zmq_dealer_router_floor_two_processes_paced"),
         ("fogforge_robot_edge_robot_zmq_direct", "zmq_dealer_router_floor_two_processes_paced"),
         ("throughput_one_broker_two_edges", "mqtt_qos1_request_response_throughput_floor")]
out = {"what": "ratios_same_round", "rounds": len(by), "median": {}, "per_round": {}}
for a, b in pairs:
    r = [round(v[a] / v[b], 2) for v in by.values() if v.get(a) and v.get(b)]
    if r:
        out["per_round"]["%s / %s" % (a, b)] = r
        out["median"]["%s / %s" % (a, b)] = statistics.median(r)
for w in ("fogforge_robot_edge_robot_mqtt", "throughput_one_broker_two_edges", "mqtt_qos1_floor",
          "zmq_dealer_router_floor", "zmq_dealer_router_floor_two_processes"):
    v = [r[w] for r in by.values() if r.get(w)]
    if v: out["median"][w] = statistics.median(v)
p99 = [j["tiers"]["edge"]["p99_ms"] for j in rows if j["what"] == "fogforge_robot_edge_robot_mqtt"]
if p99: out["median"]["fogforge_robot_edge_robot_mqtt_p99_ms"] = statistics.median(p99)
cpu = [j["cpu_us_per_task"] for j in rows if j["what"] == "throughput_one_broker_two_edges"]
if cpu: out["median"]["throughput_cpu_us_per_task"] = statistics.median(cpu)
print(json.dumps(out))
PYEOF
