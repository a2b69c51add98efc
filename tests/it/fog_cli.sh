#!/bin/sh
# Command-line contract of the fog daemons: bad input exits 2 with one line
# "fogforge: <what>: <where>" on stderr; --help exits 0.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"

expect_exit fog_edge_unknown_option_exits_2 2 '^fogforge: unknown option: --bogus$' "$FOGD" edge --bogus
expect_exit fog_edge_needs_broker 2 '^fogforge: missing option: --broker URL$' "$FOGD" edge
expect_exit fog_edge_bad_broker_url 2 '^fogforge: bad broker URL .*: http://x$' "$FOGD" edge --broker http://x
expect_exit fog_edge_unknown_bundle 2 '^fogforge: unknown bundle: resnet' "$FOGD" edge --broker tcp://127.0.0.1:1 --bundle resnet
expect_exit fog_robot_unknown_policy 2 '^fogforge: unknown policy: fastest$' "$FOGD" robot --policy fastest
expect_exit fog_robot_bad_rate 2 '^fogforge: rate must be a number' "$FOGD" robot --rate -3
expect_exit fog_robot_edge_policy_needs_broker 2 '^fogforge: policy edge needs --broker URL or --edge-zmq tcp://HOST:PORT$' "$FOGD" robot --policy edge
printf '1 2 3\n' > "$FOG_DIR/short.txt"
expect_exit fog_robot_bad_input_file 2 '^fogforge: input has 3 values, not a positive multiple of 16: ' \
    "$FOGD" robot --policy local --input "$FOG_DIR/short.txt"
printf '{"workers": "two"}' > "$FOG_DIR/bad.json"
expect_exit fog_cloud_bad_config_value 2 '^fogforge: config value must be a number: .*bad.json: key workers$' \
    "$FOGD" cloud --bind tcp://127.0.0.1:5 --config "$FOG_DIR/bad.json"
expect_exit fog_cloud_bad_endpoint 2 '^fogforge: cannot bind: .*: bogus://x$' "$FOGD" cloud --bind bogus://x
for cmd in edge cloud robot; do
    if "$FOGD" $cmd --help > "$FOG_DIR/help.txt" 2>&1 && grep -q "^usage: fogforge $cmd" "$FOG_DIR/help.txt"; then
        pass fog_${cmd}_help
    else
        fail fog_${cmd}_help "$(head -c 200 "$FOG_DIR/help.txt")"
    fi
done

# robot with only the local tier needs no network and loses nothing
out=$FOG_DIR/local.json
if "$FOGD" robot --policy local --rate 2000 --count 500 --deadline 10 --log-level off > "$out" 2>"$FOG_DIR/local.err" &&
    [ "$(jget "$out" tiers.local.count)" = 500 ] && [ "$(jget "$out" lost)" = 0 ] && [ ! -s "$FOG_DIR/local.err" ]; then
    pass fog_robot_local_policy_runs_offline
else
    fail fog_robot_local_policy_runs_offline "$(cat "$out") $(head -c 300 "$FOG_DIR/local.err")"
fi

# a slow robot CPU never blocks the stream: with 20 ms per local inference
# at 100 tasks/s, submits stay 10 ms apart (inline execution would space them
# 20 ms), the bounded local queue rejects the excess, and every task is
# answered (completed, expired or rejected): none lost
out=$FOG_DIR/slow.json
"$FOGD" robot --policy local --rate 100 --count 100 --deadline 50 --compute-us 20000 --local-queue 4 \
    --tasks "$FOG_DIR/slow.tasks" --log-level off > "$out" 2>"$FOG_DIR/slow.err"
if $PY - "$out" "$FOG_DIR/slow.tasks" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
rows = [l.split() for l in open(sys.argv[2])]
assert s["sent"] == 100 and s["completed"] == 100 and s["lost"] == 0, s
assert len(rows) == 100, len(rows)
t = sorted(float(r[7]) for r in rows)
assert t[-1] - t[0] < 1.5, "submits spread over %.2f s" % (t[-1] - t[0])
st = {r[8] for r in rows}
assert s["local_rejected"] > 0 and "rejected" in st and "ok" in st, (s, st)
ok = [r for r in rows if r[8] == "ok"]
assert all(r[3] == "local" and float(r[10]) >= 19.0 for r in ok), ok[:3]
PYEOF
then pass fog_robot_local_worker_never_blocks_the_stream
else fail fog_robot_local_worker_never_blocks_the_stream "$(head -c 400 "$out") $(head -c 300 "$FOG_DIR/slow.err")"; fi
