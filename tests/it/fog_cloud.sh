#!/bin/sh
# The cloud tier over ZeroMQ: a robot reaches it directly (DEALER/ROUTER),
# an overloaded edge forwards to it, and a full cloud queue answers
# "rejected: queue full" which the robot turns into a local fallback.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"

CPORT=$(free_port)
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT" --id cloud-1 --workers 2 2> "$FOG_DIR/cloud.log" &
C=$!
fog_track $C

out=$FOG_DIR/direct.json
"$FOGD" robot --cloud "tcp://127.0.0.1:$CPORT" --policy cloud --rate 500 --count 300 --deadline 500 --id r-cloud \
    > "$out" 2> "$FOG_DIR/robot1.log"
if [ "$(jget "$out" tiers.cloud.count)" = 300 ] && [ "$(jget "$out" lost)" = 0 ] && [ "$(jget "$out" nodes.cloud-1)" = 300 ]; then
    pass fog_robot_direct_to_cloud_over_zeromq
else
    fail fog_robot_direct_to_cloud_over_zeromq "$(cat "$out") $(tail -n 2 "$FOG_DIR/robot1.log")"
fi

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
# one worker and a queue of one: a burst cannot fit, the edge forwards
start_edge edge-f --workers 1 --queue 1 --cloud "tcp://127.0.0.1:$CPORT" || fail fog_edge_f_online "no online status"
out=$FOG_DIR/fwd.json
"$FOGD" robot --broker "$BROKER" --policy edge --rate 20000 --count 400 --deadline 3000 --id r-fwd \
    > "$out" 2> "$FOG_DIR/robot2.log"
cc=$(jget "$out" tiers.cloud.count); ec=$(jget "$out" tiers.edge.count); lost=$(jget "$out" lost); done_=$(jget "$out" completed)
fwd=$(node_status edge-f | $PY -c 'import json,sys; print(json.load(sys.stdin)["forwarded"])' 2>/dev/null)
if [ "$done_" = 400 ] && [ "$lost" = 0 ] && [ -n "$cc" ] && [ "$cc" -gt 0 ] && [ -n "$fwd" ] && [ "$fwd" -gt 0 ]; then
    pass fog_overloaded_edge_forwards_to_cloud
else
    fail fog_overloaded_edge_forwards_to_cloud "cloud=$cc edge=$ec forwarded=$fwd $(cat "$out")"
fi

# a cloud with a queue of one rejects a burst explicitly; nothing is lost:
# every rejected task is re-routed to the robot's local worker, which runs
# it or, its bounded queue full, answers it "rejected" too
CPORT2=$(free_port)
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT2" --id cloud-small --workers 1 --queue 1 2> "$FOG_DIR/cloud2.log" &
fog_track $!
out=$FOG_DIR/rej.json
"$FOGD" robot --cloud "tcp://127.0.0.1:$CPORT2" --policy cloud --rate 50000 --count 3000 --deadline 2000 --id r-rej \
    > "$out" 2> "$FOG_DIR/robot3.log"
rej=$(jget "$out" rejected); loc=$(jget "$out" tiers.local.count); lost=$(jget "$out" lost); done_=$(jget "$out" completed)
lrej=$(jget "$out" local_rejected)
if [ "$done_" = 3000 ] && [ "$lost" = 0 ] && [ -n "$rej" ] && [ "$rej" -gt 0 ] && [ "$loc" -gt 0 ] &&
    [ $((loc + lrej)) -ge "$rej" ]; then
    pass fog_full_cloud_rejects_and_robot_falls_back_locally
else
    fail fog_full_cloud_rejects_and_robot_falls_back_locally "rejected=$rej local=$loc $(cat "$out")"
fi

kill -TERM $C
i=0
while kill -0 $C 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait $C
if [ $? = 0 ] && [ $i -lt 50 ]; then pass fog_cloud_stops_cleanly_on_sigterm; else fail fog_cloud_stops_cleanly_on_sigterm "waited ${i}00ms"; fi

fog_sanitizers_clean fog_cloud_daemons_sanitizer_clean
