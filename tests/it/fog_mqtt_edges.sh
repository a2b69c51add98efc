#!/bin/sh
# Robot -> two edge nodes through a real mosquitto: every task completes,
# the shared subscription balances the pool, results are the model's, and
# an edge stops cleanly on SIGTERM with its retained status set offline.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
start_edge edge-a --workers 2 || fail fog_edge_a_online "no online status"
EDGE_A=$LAST_PID
start_edge edge-b --workers 2 || fail fog_edge_b_online "no online status"

out=$FOG_DIR/robot.json
"$FOGD" robot --broker "$BROKER" --policy edge --rate 500 --count 400 --deadline 200 --id r-edges \
    > "$out" 2> "$FOG_DIR/robot.log"
rc=$?
sent=$(jget "$out" sent); done_=$(jget "$out" completed); ok=$(jget "$out" ok); lost=$(jget "$out" lost)
if [ "$rc" = 0 ] && [ "$sent" = 400 ] && [ "$done_" = 400 ] && [ "$ok" = 400 ] && [ "$lost" = 0 ]; then
    pass fog_two_edges_complete_every_task
else
    fail fog_two_edges_complete_every_task "rc=$rc $(cat "$out") $(tail -n 3 "$FOG_DIR/robot.log")"
fi

# both edges published status all along: the robot never calls one silent
# (a clock read outside the lock once made a fresh status look 2^64 ns old)
if grep -q 'event=node_silent' "$FOG_DIR/robot.log"; then
    fail fog_live_edges_never_silent "$(grep -m 1 'event=node_silent' "$FOG_DIR/robot.log")"
else
    pass fog_live_edges_never_silent
fi

a=$(jget "$out" nodes.edge-a); b=$(jget "$out" nodes.edge-b)
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -ge 100 ] && [ "$b" -ge 100 ]; then
    pass fog_shared_subscription_balances_edges
else
    fail fog_shared_subscription_balances_edges "edge-a=$a edge-b=$b"
fi

ec=$(jget "$out" tiers.edge.count); p99=$(jget "$out" tiers.edge.p99_ms)
if [ "$ec" = 400 ] && $PY -c "import sys; sys.exit(0 if 0 < float('$p99') < 50 else 1)"; then
    pass fog_robot_summary_reports_edge_latency
else
    fail fog_robot_summary_reports_edge_latency "count=$ec p99_ms=$p99"
fi

# a result read by mosquitto_sub equals the reference model (computed in Python)
mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$BROKER_PORT" -t fogforge/v1/result/r-check -C 1 -W 5 -N \
    > "$FOG_DIR/res.bin" 2>/dev/null &
SUB=$!
fog_track $SUB
sleep 0.3
$PY "$FOGMSG" task 77 r-check jet-tagger 5000 > "$FOG_DIR/task.bin"
mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t fogforge/v1/task/jet-tagger -f "$FOG_DIR/task.bin" \
    -D PUBLISH response-topic fogforge/v1/result/r-check -D PUBLISH correlation-data c77
wait $SUB
got=$($PY "$FOGMSG" result < "$FOG_DIR/res.bin" | $PY -c 'import json,sys; r=json.load(sys.stdin); print(r["task_id"], r["status"], r["output"])')
want="77 0 $($PY "$FOGMSG" mlp $(i=0; while [ $i -lt 16 ]; do echo $(( (i * 13) % 200 - 100 )); i=$((i + 1)); done))"
if [ "$got" = "$want" ]; then pass fog_edge_result_matches_reference_model; else fail fog_edge_result_matches_reference_model "got '$got' want '$want'"; fi

kill -TERM $EDGE_A
i=0
while kill -0 $EDGE_A 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait $EDGE_A
erc=$?
if [ $i -lt 50 ] && [ "$erc" = 0 ] && wait_status edge-a offline && grep -q 'event=edge_stop' "$FOG_DIR/edge-a.log"; then
    pass fog_edge_stops_cleanly_on_sigterm
else
    fail fog_edge_stops_cleanly_on_sigterm "rc=$erc waited=${i}00ms $(tail -n 2 "$FOG_DIR/edge-a.log")"
fi
fog_sanitizers_clean fog_mqtt_edges_daemons_sanitizer_clean
