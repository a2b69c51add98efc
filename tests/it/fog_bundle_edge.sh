#!/bin/sh
# The fog daemons over the host runtime: an edge started with --bundles DIR
# serves a real bundle of the jet tagger (libfogforge, cpu backend) under the
# bundle's name (fogforge/v1/task/<name>); a robot replays raw integer inputs
# and every result equals `fogforge run --raw` on the same samples. The
# robot's local tier runs the same bundle through libfogforge too.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"
cd "$FOG_DIR" || exit 1

M=$MODELS/three_layer_keras.onnx
mkdir -p bundles empty
if ! "$FF" bundle create "$M" --wbits 8 --abits 8 --with none -o bundles/jet.tar 2>err.txt; then
    fail fog_bundle_create "$(cat err.txt)"; exit 0
fi
# raw integer inputs over the whole input range, and the same samples as
# floats (raw * scale) for fogforge run, whose quantizer gives back the raw values
tar -xOf bundles/jet.tar manifest.json > manifest.json
$PY - <<'EOF'
import json, random
m = json.load(open("manifest.json"))["input"]
rnd = random.Random(7)
with open("raw.txt", "w") as r, open("floats.txt", "w") as f:
    for _ in range(300):
        v = [rnd.randint(m["qmin"], m["qmax"]) for _ in range(m["size"])]
        r.write(" ".join(map(str, v)) + "\n")
        f.write(" ".join(repr((x - m["zero_point"]) * m["scale"]) for x in v) + "\n")
EOF
"$FF" run "$M" --input floats.txt --wbits 8 --abits 8 --raw -o ref.txt
"$FF" infer bundles/jet.tar --backend cpu --input floats.txt --raw -o infer.txt
if cmp -s ref.txt infer.txt && [ "$(wc -l < ref.txt)" = 300 ]; then pass fog_bundle_reference_ready; else fail fog_bundle_reference_ready "run and infer differ"; fi

# compare_results FILE TIER N: every line "INDEX TIER OUTS..." equals ref line INDEX % 300
compare_results() {
    $PY - "$1" "$2" "$3" <<'EOF'
import sys
ref = [l.split() for l in open("ref.txt")]
rows = [l.split() for l in open(sys.argv[1])]
want_tier, n = sys.argv[2], int(sys.argv[3])
idx = sorted(int(r[0]) for r in rows)
assert idx == list(range(n)), "indices %s..." % idx[:10]
for r in rows:
    assert r[1] == want_tier, r[:2]
    assert r[2:] == ref[int(r[0]) % len(ref)], (r, ref[int(r[0]) % len(ref)])
EOF
}

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
start_edge edge-bx --bundles "$FOG_DIR/bundles" --backend cpu --workers 2 || fail fog_bundle_edge_online "no online status"
# the log line may land a moment after the online status: wait up to 5 s
i=0
while [ $i -lt 50 ] && ! grep -q 'event=bundle_open .*bundle=jet executor=libfogforge .*backend=cpu' "$FOG_DIR/edge-bx.log"; do
    sleep 0.1; i=$((i + 1))
done
if grep -q 'event=bundle_open .*bundle=jet executor=libfogforge .*backend=cpu' "$FOG_DIR/edge-bx.log"; then
    pass fog_bundle_edge_logs_libfogforge_cpu
else
    fail fog_bundle_edge_logs_libfogforge_cpu "$(head -n 3 "$FOG_DIR/edge-bx.log")"
fi
if node_status edge-bx | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d["bundles"]==["jet"] and d["backends"]==["cpu"], d'; then
    pass fog_bundle_edge_status_names_bundle
else
    fail fog_bundle_edge_status_names_bundle "$(node_status edge-bx)"
fi

"$FOGD" robot --broker "$BROKER" --bundles "$FOG_DIR/bundles" --bundle jet --policy edge --input raw.txt \
    --rate 500 --count 300 --deadline 500 --id r-bx --results res_edge.txt > robot.json 2> robot.log
rc=$?
sent=$(jget robot.json sent); done_=$(jget robot.json completed); ok=$(jget robot.json ok); lost=$(jget robot.json lost)
if [ "$rc" = 0 ] && [ "$sent" = 300 ] && [ "$done_" = 300 ] && [ "$ok" = 300 ] && [ "$lost" = 0 ]; then
    pass fog_bundle_edge_completes_every_task
else
    fail fog_bundle_edge_completes_every_task "rc=$rc $(cat robot.json) $(tail -n 3 robot.log)"
fi
if out=$(compare_results res_edge.txt edge 300 2>&1); then
    pass "fog_bundle_edge_results_equal_run_raw 300 tasks"
else
    fail fog_bundle_edge_results_equal_run_raw "$(printf '%s' "$out" | tail -n 2)"
fi
if grep -q 'event=local_open .*bundle=jet executor=libfogforge .*backend=cpu' robot.log; then
    pass fog_bundle_robot_local_is_libfogforge
else
    fail fog_bundle_robot_local_is_libfogforge "$(head -n 3 robot.log)"
fi

# the robot's local tier through libfogforge
"$FOGD" robot --bundles "$FOG_DIR/bundles" --bundle jet --policy local --input raw.txt \
    --rate 1000 --count 300 --deadline 500 --id r-local --results res_local.txt > local.json 2> local.log
rc=$?
if [ "$rc" = 0 ] && [ "$(jget local.json completed)" = 300 ] && [ "$(jget local.json lost)" = 0 ] &&
    out=$(compare_results res_local.txt local 300 2>&1); then
    pass "fog_bundle_robot_local_results_equal_run_raw 300 tasks"
else
    fail fog_bundle_robot_local_results_equal_run_raw "rc=$rc $(cat local.json) ${out:-}"
fi

# wrong-sized input to the bundle's topic: an error result, never a crash
"$FOGD" robot --broker "$BROKER" --bundle jet-tagger --policy edge --count 3 --deadline 500 --id r-wrong \
    --wait-ms 2000 > wrong.json 2> wrong.log
if [ "$(jget wrong.json sent)" = 3 ] && kill -0 "$LAST_PID" 2>/dev/null; then
    pass fog_bundle_edge_ignores_other_bundles
else
    fail fog_bundle_edge_ignores_other_bundles "$(cat wrong.json) $(tail -n 2 wrong.log)"
fi

expect_exit fog_bundle_edge_empty_dir 2 "no bundles in" "$FOGD" edge --broker "$BROKER" --bundles "$FOG_DIR/empty" --id edge-empty
expect_exit fog_bundle_edge_missing_bundle 2 "jet2" "$FOGD" edge --broker "$BROKER" --bundles "$FOG_DIR/bundles" --bundle jet2 --id edge-missing
expect_exit fog_bundle_edge_unknown_backend 2 "unknown backend 'tpu'" "$FOGD" edge --broker "$BROKER" --bundles "$FOG_DIR/bundles" --backend tpu --id edge-tpu
expect_exit fog_bundle_robot_missing_bundle 2 "jet2" "$FOGD" robot --bundles "$FOG_DIR/bundles" --bundle jet2 --policy local --count 1

fog_sanitizers_clean fog_bundle_sanitizers_clean
