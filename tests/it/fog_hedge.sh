#!/bin/sh
# Hedging end to end with a real broker: a cloud (ZeroMQ) and an edge (MQTT)
# whose emulated speeds put both near the deadline (cloud 44 ms, the slowed
# edge 46 ms, deadline 50 ms, local 2 s), so the fogforge policy sends each
# risky task to its best tier and a duplicate to the other. The first result
# is used, the loser is counted as a duplicate and never reported twice, and
# nothing is lost.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"
cd "$FOG_DIR" || exit 1

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
CPORT=$(free_port)
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT" --id cloud-h --workers 2 --compute-us 44000 2> "$FOG_DIR/cloud-h.log" &
C=$!
fog_track $C
# one status at start only: a status taken while a hedge runs would show a
# queue and make the edge look too late to be worth a duplicate
start_edge edge-h --workers 2 --compute-us 46000 --status-interval-ms 600000 || fail fog_hedge_edge_online "no online status"
E=$LAST_PID

"$FOGD" robot --broker "$BROKER" --cloud "tcp://127.0.0.1:$CPORT" --policy fogforge --rate 10 --count 40 --deadline 50 \
    --compute-us 2000000 --id r-h --results res.txt > h.json 2> robot-h.log
kill -TERM $E $C
wait $E
wait $C
hedged=$(jget h.json hedged); dup=$(jget h.json duplicates); cc=$(jget h.json tiers.cloud.count); ec=$(jget h.json tiers.edge.count)
e_exec=$(sed -n 's/.*event=edge_stop .* executed=\([0-9]*\).*/\1/p' "$FOG_DIR/edge-h.log")
c_exec=$(sed -n 's/.*event=cloud_stop .* executed=\([0-9]*\).*/\1/p' "$FOG_DIR/cloud-h.log")
echo "hedged=$hedged duplicates=$dup cloud=$cc edge=$ec edge_executed=$e_exec cloud_executed=$c_exec"

if [ -n "$hedged" ] && [ "$hedged" -ge 10 ]; then pass fog_hedge_duplicates_sent; else fail fog_hedge_duplicates_sent "$(cat h.json)"; fi
# both tiers ran the hedged tasks; the robot completed each task once
if [ -n "$e_exec" ] && [ -n "$c_exec" ] && [ $((e_exec + c_exec)) -ge $((40 + hedged / 2)) ] &&
    [ "$(jget h.json completed)" = 40 ] && [ "$(jget h.json ok)" = 40 ] && [ "$(jget h.json lost)" = 0 ]; then
    pass fog_hedge_both_tiers_ran_each_task_completed_once
else
    fail fog_hedge_both_tiers_ran_each_task_completed_once "executed edge=$e_exec cloud=$c_exec $(cat h.json)"
fi
# the losers came back and were discarded as duplicates, not reported
if [ -n "$dup" ] && [ "$dup" -ge 1 ] && [ "$(wc -l < res.txt)" = 40 ] &&
    [ "$(cut -d' ' -f1 res.txt | sort -n | uniq | wc -l)" = 40 ]; then
    pass fog_hedge_loser_discarded_not_double_reported
else
    fail fog_hedge_loser_discarded_not_double_reported "duplicates=$dup lines=$(wc -l < res.txt)"
fi
# first result wins: the faster tier (cloud) answers most tasks although
# the edge computed them too; a robot waiting for the last answer would
# report the edge
if [ -n "$cc" ] && [ -n "$ec" ] && [ "$cc" -gt $((ec * 3)) ] && [ "$e_exec" -ge $((hedged / 2)) ]; then
    pass fog_hedge_first_result_wins
else
    fail fog_hedge_first_result_wins "cloud=$cc edge=$ec edge_executed=$e_exec"
fi

fog_sanitizers_clean fog_hedge_sanitizer_clean
