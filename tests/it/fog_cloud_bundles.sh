#!/bin/sh
# The cloud tier over the host runtime: `fogforge cloud --bundles DIR`
# serves a real jet-tagger bundle (libfogforge, cpu backend); a robot sends
# raw integer inputs straight to it over ZeroMQ and every result equals
# `fogforge run --raw`. Tasks carry the sha256 of the robot's bundle (its
# manifest digest): a bundle of the same name with other weights is refused
# by the cloud and by an edge with a "bundle sha256 mismatch" result,
# counted, never run.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"
cd "$FOG_DIR" || exit 1

M=$MODELS/three_layer_keras.onnx
mkdir -p bundles other
if ! "$FF" bundle create "$M" --wbits 8 --abits 8 --with none -o bundles/jet.tar 2>err.txt ||
    ! "$FF" bundle create "$M" --wbits 6 --abits 8 --with none --name jet -o other/jet.tar 2>>err.txt; then
    fail fog_cloud_bundle_create "$(cat err.txt)"; exit 0
fi
tar -xOf bundles/jet.tar manifest.json > manifest.json
$PY - <<'PYEOF'
import json, random
m = json.load(open("manifest.json"))["input"]
rnd = random.Random(11)
with open("raw.txt", "w") as r, open("floats.txt", "w") as f:
    for _ in range(200):
        v = [rnd.randint(m["qmin"], m["qmax"]) for _ in range(m["size"])]
        r.write(" ".join(map(str, v)) + "\n")
        f.write(" ".join(repr((x - m["zero_point"]) * m["scale"]) for x in v) + "\n")
PYEOF
"$FF" run "$M" --input floats.txt --wbits 8 --abits 8 --raw -o ref.txt

CPORT=$(free_port)
"$FOGD" cloud --bind "tcp://127.0.0.1:$CPORT" --bundles "$FOG_DIR/bundles" --backend cpu --id cloud-b --workers 2 \
    2> "$FOG_DIR/cloud-b.log" &
C=$!
fog_track $C
"$FOGD" robot --cloud "tcp://127.0.0.1:$CPORT" --bundles "$FOG_DIR/bundles" --bundle jet --policy cloud --input raw.txt \
    --rate 500 --count 200 --deadline 500 --id r-cb --results res.txt > cb.json 2> robot-cb.log
if grep -q 'event=bundle_open .*bundle=jet executor=libfogforge .*backend=cpu' "$FOG_DIR/cloud-b.log"; then
    pass fog_cloud_serves_bundle_through_libfogforge
else
    fail fog_cloud_serves_bundle_through_libfogforge "$(head -n 3 "$FOG_DIR/cloud-b.log")"
fi
if [ "$(jget cb.json tiers.cloud.count)" = 200 ] && [ "$(jget cb.json lost)" = 0 ] && [ "$(jget cb.json errors)" = 0 ]; then
    pass fog_cloud_bundle_completes_every_task
else
    fail fog_cloud_bundle_completes_every_task "$(cat cb.json) $(tail -n 2 robot-cb.log)"
fi
if $PY - res.txt <<'PYEOF'
import sys
ref = [l.split() for l in open("ref.txt")]
rows = [l.split() for l in open(sys.argv[1])]
assert sorted(int(r[0]) for r in rows) == list(range(200)), "indices"
for r in rows:
    assert r[1] == "cloud" and r[2:] == ref[int(r[0])], (r, ref[int(r[0])])
PYEOF
then
    pass "fog_cloud_bundle_results_equal_run_raw 200 tasks"
else
    fail fog_cloud_bundle_results_equal_run_raw "results differ from fogforge run --raw"
fi

# same name, other weights: the cloud refuses every task, runs none
"$FOGD" robot --cloud "tcp://127.0.0.1:$CPORT" --bundles "$FOG_DIR/other" --bundle jet --policy cloud --input raw.txt \
    --rate 500 --count 20 --deadline 500 --id r-cm --results resm.txt > cm.json 2> robot-cm.log
kill -TERM $C
wait $C
mm=$(sed -n 's/.*event=cloud_stop .* executed=\([0-9]*\).* bundle_mismatch=\([0-9]*\).*/\1 \2/p' "$FOG_DIR/cloud-b.log")
if [ "$(jget cm.json errors)" = 20 ] && [ "$(jget cm.json lost)" = 0 ] && [ ! -s resm.txt ] && [ "$mm" = "200 20" ] &&
    grep -q 'event=bundle_mismatch .*bundle sha256 mismatch: jet: task wants [0-9a-f]\{16\}\.\.\., this node serves [0-9a-f]\{16\}\.\.\.' \
        "$FOG_DIR/cloud-b.log"; then
    pass fog_cloud_refuses_bundle_with_other_sha256
else
    fail fog_cloud_refuses_bundle_with_other_sha256 "executed/mismatch=$mm $(cat cm.json) $(grep -m1 bundle_mismatch "$FOG_DIR/cloud-b.log")"
fi

# the same check on an edge, through the broker
start_broker || { fail fog_broker_starts "no broker"; exit 0; }
start_edge edge-b --bundles "$FOG_DIR/bundles" --backend cpu --workers 1 || fail fog_bundle_edge_b_online "no online status"
"$FOGD" robot --broker "$BROKER" --bundles "$FOG_DIR/other" --bundle jet --policy edge --input raw.txt \
    --rate 500 --count 20 --deadline 500 --id r-em > em.json 2> robot-em.log
i=0 # the counters reach the retained status with the next periodic publish
while [ $i -lt 20 ]; do
    emm=$(node_status edge-b | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["bundle_mismatch"], d["executed"])' 2>/dev/null)
    [ "$emm" = "20 0" ] && break
    sleep 0.2
    i=$((i + 1))
done
if [ "$(jget em.json errors)" = 20 ] && [ "$emm" = "20 0" ]; then
    pass fog_edge_refuses_bundle_with_other_sha256
else
    fail fog_edge_refuses_bundle_with_other_sha256 "mismatch/executed=$emm $(cat em.json)"
fi

fog_sanitizers_clean fog_cloud_bundles_sanitizer_clean
