#!/bin/sh
# The fog daemons under ThreadSanitizer: a robot (MQTT callbacks, the local
# worker, housekeeping, ZeroMQ to the cloud), two edges (worker pools, status
# timer) and a cloud (workers) run the whole CLI built with -fsanitize=thread
# against a real mosquitto, with an edge killed (-9) and restarted mid-run.
# Every task completes and no daemon reports a data race (tests/fog/tsan.supp
# leaves out libzmq's internal buffer hand-offs only).
. "$ROOT/tests/it/lib.sh"
if ! make -s -C "$ROOT" "$BUILD/fogforge-tsan" >"$FF_TMP/tsan_build.txt" 2>&1; then
    fail fog_tsan_builds "$(tail -n 3 "$FF_TMP/tsan_build.txt")"
    exit 0
fi
FOGD=$ROOT/$BUILD/fogforge-tsan
. "$ROOT/tests/fog/it_lib.sh"
TSAN_OPTIONS="halt_on_error=0 exitcode=66 suppressions=$ROOT/tests/fog/tsan.supp"
export TSAN_OPTIONS
cd "$FOG_DIR" || exit 1

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
CPORT=$(free_port)
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT" --id cloud-t --workers 2 2> cloud-t.log &
C=$!
fog_track $C
start_edge edge-ta --workers 2 || fail fog_tsan_edge_online "edge-ta: no online status"
A=$LAST_PID
start_edge edge-tb --workers 2 || fail fog_tsan_edge_online "edge-tb: no online status"
B=$LAST_PID
"$FOGD" robot --broker "$BROKER" --cloud "tcp://127.0.0.1:$CPORT" --policy fogforge --rate 400 --count 2000 \
    --deadline 30 --compute-us 5000 --id r-t > r.json 2> robot-t.log &
R=$!
fog_track $R
sleep 2
kill -KILL $A
wait $A 2>/dev/null
sleep 1
start_edge edge-ta --workers 2 || fail fog_tsan_edge_back "edge-ta: no online status after the restart"
A2=$LAST_PID
wait $R
rrc=$?
kill -TERM $B $C $A2
wait $B; brc=$?
wait $C; crc=$?
wait $A2; arc=$?
if [ "$rrc" = 0 ] && [ "$(jget r.json sent)" = 2000 ] && [ "$(jget r.json completed)" = 2000 ] && [ "$(jget r.json lost)" = 0 ]; then
    pass "fog_tsan_every_task_completes (ok $(jget r.json ok), edge $(jget r.json tiers.edge.count), cloud $(jget r.json tiers.cloud.count))"
else
    fail fog_tsan_every_task_completes "robot exit $rrc: $(head -c 300 r.json) $(grep -m 1 -A 6 'WARNING: ThreadSanitizer' robot-t.log)"
fi
races=$(grep -l 'WARNING: ThreadSanitizer' robot-t.log cloud-t.log edge-ta.log edge-tb.log 2>/dev/null | tr '\n' ' ')
if [ -z "$races" ] && [ "$brc" = 0 ] && [ "$crc" = 0 ] && [ "$arc" = 0 ]; then
    pass fog_tsan_no_data_race
else
    first=$(cat robot-t.log cloud-t.log edge-ta.log edge-tb.log | grep -m 1 -A 12 'WARNING: ThreadSanitizer')
    fail fog_tsan_no_data_race "reports in: $races; exits edge-tb $brc cloud $crc edge-ta $arc; $first"
fi
