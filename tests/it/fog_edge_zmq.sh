#!/bin/sh
# The direct robot -> edge path over ZeroMQ: an edge started with
# --zmq-bind takes tasks from robots on a ROUTER besides its MQTT shared
# subscription; a robot with --edge-zmq reaches it without the broker.
# Results equal those of the MQTT path on the same inputs; when the edge
# stops mid-run the robot runs the rest locally and loses nothing.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"
cd "$FOG_DIR" || exit 1

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
ZP=$(free_port)
start_edge edge-z --workers 2 --zmq-bind "tcp://127.0.0.1:$ZP" || fail fog_edge_zmq_online "no online status"
EZ=$LAST_PID
i=0 # the start line follows the first status publish
while ! grep -q "event=edge_start" "$FOG_DIR/edge-z.log" && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q "event=edge_start .*zmq=tcp://127.0.0.1:$ZP" "$FOG_DIR/edge-z.log"; then
    pass fog_edge_logs_its_zmq_endpoint
else
    fail fog_edge_logs_its_zmq_endpoint "$(grep edge_start "$FOG_DIR/edge-z.log")"
fi

# no broker given to the robot: every task must go over the direct path
"$FOGD" robot --edge-zmq "tcp://127.0.0.1:$ZP" --policy edge --rate 500 --count 300 --deadline 500 --id r-zd \
    --seed 5 --results zmq.txt > zmq.json 2> robot-zd.log
if [ "$(jget zmq.json tiers.edge.count)" = 300 ] && [ "$(jget zmq.json lost)" = 0 ] && [ "$(jget zmq.json nodes.edge-z)" = 300 ]; then
    pass fog_robot_to_edge_directly_over_zeromq
else
    fail fog_robot_to_edge_directly_over_zeromq "$(cat zmq.json) $(tail -n 2 robot-zd.log)"
fi
"$FOGD" robot --broker "$BROKER" --policy edge --rate 500 --count 300 --deadline 500 --id r-zm \
    --seed 5 --results mqtt.txt > mqtt.json 2> robot-zm.log
if [ "$(jget mqtt.json tiers.edge.count)" = 300 ] && [ "$(wc -l < zmq.txt)" = 300 ] &&
    [ "$(sort -n zmq.txt | md5sum)" = "$(sort -n mqtt.txt | md5sum)" ]; then
    pass fog_zeromq_and_mqtt_paths_give_the_same_results
else
    fail fog_zeromq_and_mqtt_paths_give_the_same_results "$(cat mqtt.json) $(sort -n zmq.txt | head -n 2) / $(sort -n mqtt.txt | head -n 2)"
fi
i=0 # the counters reach the retained status with the next periodic publish
while [ $i -lt 20 ]; do
    recv=$(node_status edge-z | $PY -c 'import json,sys; print(json.load(sys.stdin)["received"])' 2>/dev/null)
    [ -n "$recv" ] && [ "$recv" -ge 600 ] && break
    sleep 0.2
    i=$((i + 1))
done
if [ -n "$recv" ] && [ "$recv" -ge 600 ]; then pass fog_edge_status_counts_both_paths; else fail fog_edge_status_counts_both_paths "received=$recv"; fi

# the edge stops in the middle of a run: the robot sees the link go down and
# runs the rest locally; nothing is lost
"$FOGD" robot --edge-zmq "tcp://127.0.0.1:$ZP" --policy edge --rate 400 --count 800 --deadline 200 --id r-zk \
    > kill.json 2> robot-zk.log &
RK=$!
sleep 1
kill -TERM $EZ
wait $EZ
wait $RK
ec=$(jget kill.json tiers.edge.count); lc=$(jget kill.json tiers.local.count)
if [ "$(jget kill.json completed)" = 800 ] && [ "$(jget kill.json lost)" = 0 ] && [ -n "$ec" ] && [ "$ec" -gt 0 ] &&
    [ -n "$lc" ] && [ "$lc" -gt 0 ]; then
    pass fog_stopped_zmq_edge_robot_falls_back_locally
else
    fail fog_stopped_zmq_edge_robot_falls_back_locally "$(cat kill.json) $(tail -n 3 robot-zk.log)"
fi

expect_exit fog_edge_bad_zmq_bind 2 '^fogforge: cannot bind: .*: tcp://256\.0\.0\.1:1$' \
    "$FOGD" edge --broker "$BROKER" --zmq-bind tcp://256.0.0.1:1

fog_sanitizers_clean fog_edge_zmq_sanitizer_clean
