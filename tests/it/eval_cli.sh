#!/bin/sh
# fogforge eval: scenario errors are one line + exit 2; a short loopback
# scenario with two policies prints every field with 0 tasks lost; with root,
# a short namespaced scenario proves the emulated delay is real (UDP round
# trip across each link ~ the configured RTT) and that every namespace and
# process it made is gone afterwards.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
D=$FF_TMP/eval
mkdir -p "$D"

printf '{"name":"x","robots":8,"rate_hz":10,"deadline_ms":50}' > "$D/missing.json"
expect_exit eval_missing_field_is_one_line_exit_2 2 'missing "duration_s"' "$FF" eval "$D/missing.json"
printf '{"name":"x","robots":8,"rate_hz":10,"deadline_ms":50,"duration_s":2,"links":{"edge":{"rtt_ms":2}}}' > "$D/links.json"
expect_exit eval_links_without_namespaces_rejected 2 'links need' "$FF" eval "$D/links.json"
printf '{"name":"x","robots":8,"rate_hz":10,"deadline_ms":50,"duration_s":2,"bogus":1}' > "$D/unk.json"
expect_exit eval_unknown_field_rejected 2 'unknown field "bogus"' "$FF" eval "$D/unk.json"
printf '{"name":' > "$D/trunc.json"
expect_exit eval_truncated_json_rejected 2 'not JSON' "$FF" eval "$D/trunc.json"
expect_exit eval_unknown_policy_rejected 2 'unknown policy' "$FF" eval "$ROOT/demo/scenarios/loopback-smoke.json" --policies edge,best

# check_json FILE NAME: every field, two policies, 0 lost, tasks sent
check_json() {
    if $PY - "$1" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["results"]
assert [r["policy"] for r in rs] == ["edge", "fogforge"], rs
for r in rs:
    for k in ("sent", "completed", "missed", "miss_rate", "p50_ms", "p99_ms", "max_ms", "throughput", "lost", "share"):
        assert k in r, k
    assert r["lost"] == 0, r
    assert r["sent"] > 100 and r["completed"] == r["sent"], r
    assert 0 < r["p50_ms"] <= r["p99_ms"] <= r["max_ms"], r
    assert abs(sum(r["share"].values()) - 100) < 0.5, r
PYEOF
    then pass "$2"; else fail "$2" "$(head -c 600 "$1")"; fi
}

"$FF" eval "$ROOT/demo/scenarios/loopback-smoke.json" --policies edge,fogforge --json > "$D/lo.json" 2> "$D/lo.err"
check_json "$D/lo.json" eval_loopback_two_policies_table_and_zero_lost
"$FF" eval "$ROOT/demo/scenarios/loopback-smoke.json" --policies edge > "$D/lo.txt" 2>&1
if grep -q '^policy .*miss%.*p50_ms.*p99_ms.*max_ms.*tasks/s.*lost.*local%.*edge%.*cloud%' "$D/lo.txt" && grep -q '^edge ' "$D/lo.txt"; then
    pass eval_table_has_every_column
else
    fail eval_table_has_every_column "$(head -c 600 "$D/lo.txt")"
fi

# SIGINT in the middle of a run: eval stops every daemon it started (by
# PID) and exits; nothing with its output dir in its arguments is left
"$FF" eval "$ROOT/demo/scenarios/loopback-smoke.json" --policies fogforge --out "$D/int" > "$D/int.out" 2>&1 &
EVAL_PID=$!
sleep 4
kill -INT $EVAL_PID
i=0
while kill -0 $EVAL_PID 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait $EVAL_PID
rc=$?
left_procs=$(ps -eo pid=,args= | grep -F "$D/int" | grep -v grep || true)
if [ $i -lt 100 ] && [ "$rc" -ne 0 ] && [ -z "$left_procs" ]; then pass eval_sigint_stops_every_process
else fail eval_sigint_stops_every_process "rc $rc after ${i}x0.1 s; left: $left_procs"; fi

expect_exit net_bad_loss_is_one_line_exit_2 2 'cloud-loss must be a number' "$FF" net --cloud-loss 2

if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
    echo "NOTE eval_namespaces: not run (needs root and ip netns); not counted as a pass"
    exit 0
fi
"$FF" eval "$ROOT/tests/eval/ns-smoke.json" --policies edge,fogforge --json --out "$D/ns" > "$D/ns.json" 2> "$D/ns.err" &
EVAL_PID=$!
wait $EVAL_PID
check_json "$D/ns.json" eval_namespaces_two_policies_zero_lost
# configured: edge 10 ms, cloud 30 ms RTT, no jitter
if $PY -c 'import json,sys
p=json.load(open(sys.argv[1]))["probe_rtt_ms"]
assert 9.5 <= p["edge"] <= 13.5 and 29.5 <= p["cloud"] <= 34, p' "$D/ns.json" 2>/dev/null; then
    pass eval_emulated_rtt_matches_configured
else
    fail eval_emulated_rtt_matches_configured "$(head -c 300 "$D/ns.json") $(tail -n 3 "$D/ns.err")"
fi
left_ns=$(ip netns list | grep "^ffev$EVAL_PID-" || true)
left_procs=$(ps -eo pid=,args= | grep -F "$D/ns" | grep -v grep || true)
if [ -z "$left_ns" ] && [ -z "$left_procs" ]; then pass eval_cleans_up_namespaces_and_processes
else fail eval_cleans_up_namespaces_and_processes "ns: $left_ns procs: $left_procs"; fi

# SIGINT during a namespaced run: namespaces (with their veths and the link
# emulator) and every process are gone
"$FF" eval "$ROOT/tests/eval/ns-smoke.json" --policies fogforge --out "$D/nsint" > "$D/nsint.out" 2>&1 &
EVAL_PID=$!
sleep 5
had_ns=$(ip netns list | grep -c "^ffev$EVAL_PID-" || true)
kill -INT $EVAL_PID
i=0
while kill -0 $EVAL_PID 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
wait $EVAL_PID
left_ns=$(ip netns list | grep "^ffev$EVAL_PID-" || true)
left_procs=$(ps -eo pid=,args= | grep -F "$D/nsint" | grep -v grep || true)
if [ "$had_ns" -eq 4 ] && [ -z "$left_ns" ] && [ -z "$left_procs" ]; then pass eval_sigint_removes_namespaces_and_processes
else fail eval_sigint_removes_namespaces_and_processes "had $had_ns ns; left ns: $left_ns procs: $left_procs"; fi

# fogforge net: the same network held up for processes started by others.
# A cloud node in its cloud namespace and a robot in dev (fogforge policy,
# 5% frame loss on the cloud link): the UDP round trip is the configured
# one, the robot twins tasks over its second connection and gets the twins'
# answers, nothing is lost; stopping net removes the namespaces and stops
# the cloud node left in them.
"$FF" net --edge-rtt 10 --edge-jitter 0 --cloud-rtt 30 --cloud-jitter 0 --cloud-loss 0.05 > "$D/net.txt" 2> "$D/net.err" &
NET_PID=$!
i=0
while ! grep -q '^ready' "$D/net.txt" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
NS_DEV=$(awk '$2 == "dev" { print $3 }' "$D/net.txt")
NS_CLOUD=$(awk '$2 == "cloud" { print $3 }' "$D/net.txt")
if [ -n "$NS_DEV" ] && [ -n "$NS_CLOUD" ] && [ "$(ip netns list | grep -c "^ffev$NET_PID-")" -eq 4 ]; then
    pass net_prints_its_namespaces_and_makes_them
else
    fail net_prints_its_namespaces_and_makes_them "$(cat "$D/net.txt" "$D/net.err")"
fi
ip netns exec "$NS_CLOUD" $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.203.0.3", 47111))
while True:
    d, a = s.recvfrom(64); s.sendto(d, a)' > /dev/null 2>&1 &
ECHO_PID=$!
sleep 0.3
rtt=$(ip netns exec "$NS_DEV" $PY -c '
import socket, time, statistics
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1); v = []
for i in range(20):
    t = time.monotonic(); s.sendto(b"x", ("10.203.0.3", 47111))
    try: s.recvfrom(64); v.append((time.monotonic() - t) * 1e3)
    except OSError: pass
print("%.2f" % statistics.median(v))' 2>&1)
kill $ECHO_PID 2>/dev/null
wait $ECHO_PID 2>/dev/null
if $PY -c 'import sys; assert 29.5 <= float(sys.argv[1]) <= 37' "$rtt" 2>/dev/null; then pass net_cloud_rtt_matches_configured
else fail net_cloud_rtt_matches_configured "median UDP RTT: $rtt"; fi
ip netns exec "$NS_CLOUD" "$FF" cloud --bind tcp://10.203.0.3:47112 --id cloud-t --workers 4 --compute-us 1000 \
    --log-level warn > /dev/null 2> "$D/net-cloud.err" &
CLOUD_PID=$!
sleep 0.5
ip netns exec "$NS_DEV" "$FF" robot --cloud tcp://10.203.0.3:47112 --policy fogforge --rate 100 --count 600 \
    --deadline 80 --synthetic --compute-us 200000 --stats-interval-ms 0 --log-level warn > "$D/net-robot.json" 2> "$D/net-robot.err"
if $PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["sent"] == 600 and d["completed"] == 600 and d["lost"] == 0, d
assert d["tiers"]["cloud"]["count"] >= 590, d["tiers"]
assert d["twinned"] >= 100 and d["duplicates"] >= 50, (d["twinned"], d["duplicates"])' "$D/net-robot.json" 2> "$D/net-robot.check"; then
    pass net_lossy_cloud_robot_twins_and_loses_nothing
else
    fail net_lossy_cloud_robot_twins_and_loses_nothing "$(tail -n 2 "$D/net-robot.check") $(head -c 400 "$D/net-robot.json")"
fi
kill $NET_PID
i=0
while kill -0 $NET_PID 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait $NET_PID
rc=$?
sleep 0.2
left_ns=$(ip netns list | grep "^ffev$NET_PID-" || true)
if [ "$rc" -eq 0 ] && [ -z "$left_ns" ] && ! kill -0 $CLOUD_PID 2>/dev/null; then
    pass net_stop_removes_namespaces_and_their_processes
else
    kill $CLOUD_PID 2>/dev/null
    fail net_stop_removes_namespaces_and_their_processes "rc $rc; left ns: $left_ns; cloud alive: $(kill -0 $CLOUD_PID 2>/dev/null && echo yes)"
fi
wait $CLOUD_PID 2>/dev/null || true
