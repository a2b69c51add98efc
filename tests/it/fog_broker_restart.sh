#!/bin/sh
# Broker restart under load: edges and robot reconnect with backoff and
# re-subscribe, the robot runs tasks locally while the broker is gone, no
# task is lost, and the edges serve again after the restart.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
start_edge edge-a || fail fog_edge_a_online "no online status"
start_edge edge-b || fail fog_edge_b_online "no online status"
served() {
    for n in edge-a edge-b; do node_status $n; echo; done |
        $PY -c 'import json,sys; print(sum(json.loads(l).get("executed",0) for l in sys.stdin if l.strip()))'
}
out=$FOG_DIR/robot.json
"$FOGD" robot --broker "$BROKER" --policy edge --rate 200 --count 1000 --deadline 3000 --id r-restart \
    > "$out" 2> "$FOG_DIR/robot.log" &
R=$!
fog_track $R
sleep 1.5
before=$(served)
kill -TERM $BROKER_PID
wait $BROKER_PID 2>/dev/null
sleep 0.5
/usr/sbin/mosquitto -c "$FOG_DIR/mosquitto.conf" >> "$FOG_DIR/mosquitto.log" 2>&1 &
BROKER_PID=$!
fog_track $BROKER_PID
wait_exit $R 200
rc=$?
after=$(served)
sent=$(jget "$out" sent); done_=$(jget "$out" completed); lost=$(jget "$out" lost); loc=$(jget "$out" tiers.local.count)
if [ "$rc" = 0 ] && [ "$sent" = 1000 ] && [ "$done_" = 1000 ] && [ "$lost" = 0 ]; then
    pass fog_broker_restart_loses_no_task
else
    fail fog_broker_restart_loses_no_task "rc=$rc $(cat "$out")"
fi
if [ -n "$loc" ] && [ "$loc" -gt 0 ]; then pass fog_robot_runs_locally_while_broker_is_down
else fail fog_robot_runs_locally_while_broker_is_down "local=$loc"; fi
if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] && grep -q 'event=connected.*reconnect=1' "$FOG_DIR/edge-a.log"; then
    pass fog_edges_reconnect_and_serve_after_broker_restart
else
    fail fog_edges_reconnect_and_serve_after_broker_restart "executed before=$before after=$after; $(grep -c reconnect=1 "$FOG_DIR/edge-a.log") reconnects"
fi
fog_sanitizers_clean fog_broker_restart_daemons_sanitizer_clean
