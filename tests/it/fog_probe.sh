#!/bin/sh
# A tier that misses in a bad spell comes back (the make demo fleet's case):
# the robot (fogforge policy, its own CPU 15 ms a task, deadline 50 ms, 100
# tasks/s) offloads to one edge (2 ms) and has a slower cloud (30 ms). The
# edge is stopped (SIGSTOP) for 0.5 s one second in (less than the 1 s after
# which the robot calls a node silent), so the tasks it holds miss, and the
# robot moves to its own CPU and, for what that cannot take, the cloud.
# Nothing but tasks sent to a tier refreshes its record, so without probes
# the edge would stay unused for good; with them, copies of a few tasks show
# it answering in time again and it takes the tasks back.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"
cd "$FOG_DIR" || exit 1

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
start_edge edge-p --workers 1 --compute-us 2000 || fail fog_probe_edge_online "no online status"
E=$LAST_PID
CPORT=$(free_port)
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT" --id cloud-p --workers 8 --compute-us 30000 2> "$FOG_DIR/cloud-p.log" &
fog_track $!
"$FOGD" robot --broker "$BROKER" --cloud "tcp://127.0.0.1:$CPORT" --policy fogforge --rate 100 --count 800 --deadline 50 --compute-us 15000 \
    --id r-p --tasks tasks.txt > p.json 2> robot-p.log &
R=$!
fog_track $R
sleep 1
kill -STOP $E
sleep 0.5
kill -CONT $E
wait_exit $R 300
rc=$?
probes=$(jget p.json probes)
# tasks by tier: during the stall's aftermath (tasks 100-299) and the last 4 s (400-799)
share() { awk -v lo="$1" -v hi="$2" '$1 >= lo && $1 <= hi { n++; if ($4 == "edge") e++ } END { printf "%d", n ? 100 * e / n : -1 }' tasks.txt; }
mid=$(share 100 299)
late=$(share 400 799)
local_mid=$(awk '$1 >= 100 && $1 <= 299 && $4 != "edge"' tasks.txt | wc -l)
echo "probes=$probes edge share: tasks 100-299 $mid%, 400-799 $late%; elsewhere in 100-299: $local_mid"
# the stall drove tasks off the edge (else this test shows nothing)
if [ "$rc" = 0 ] && [ "$local_mid" -ge 20 ]; then pass fog_probe_stall_moves_tasks_off_the_edge
else fail fog_probe_stall_moves_tasks_off_the_edge "rc=$rc local=$local_mid $(cat p.json)"; fi
if [ -n "$probes" ] && [ "$probes" -ge 1 ] && [ "$late" -ge 90 ]; then pass fog_probe_edge_takes_tasks_back_after_stall
else fail fog_probe_edge_takes_tasks_back_after_stall "probes=$probes edge share of the last 400 tasks $late% $(cat p.json)"; fi
if [ "$(jget p.json completed)" = 800 ] && [ "$(jget p.json lost)" = 0 ] &&
    [ "$(cut -d' ' -f1 tasks.txt | sort -n | uniq | wc -l)" = 800 ]; then
    pass fog_probe_every_task_completed_once
else
    fail fog_probe_every_task_completed_once "$(cat p.json)"
fi
# --probe-after 0 turns probes off: the same fleet, no stall; the cloud
# (slower than the edge) takes no probe copy. On a loaded machine a slow edge
# answer can still send a task there by the other mechanisms (a rescue, a
# twin, a hedge, a reroute, a retry), which the report counts apart: every
# cloud task must be one of those
"$FOGD" robot --broker "$BROKER" --cloud "tcp://127.0.0.1:$CPORT" --policy fogforge --rate 100 --count 300 --deadline 50 \
    --compute-us 15000 --probe-after 0 --id r-p0 > p0.json 2> robot-p0.log
other=0
for k in rescued twinned hedged rerouted retries; do v=$(jget p0.json $k); other=$((other + ${v:-0})); done
if [ "$(jget p0.json probes)" = 0 ] && [ "$(jget p0.json completed)" = 300 ] &&
    [ "$(jget p0.json tiers.cloud.count)" -le "$other" ]; then
    pass fog_probe_after_0_sends_no_probe
else
    fail fog_probe_after_0_sends_no_probe "$(cat p0.json)"
fi
fog_sanitizers_clean fog_probe_sanitizer_clean
