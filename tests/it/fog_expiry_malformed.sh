#!/bin/sh
# Tasks that went stale while an edge was stalled are dropped, not run;
# malformed payloads get an error result and are counted, never a crash;
# clients we did not write (mosquitto_pub / mosquitto_sub) interoperate,
# including Response Topic and Correlation Data.
. "$ROOT/tests/it/lib.sh"
. "$ROOT/tests/fog/it_lib.sh"

start_broker || { fail fog_broker_starts "no broker"; exit 0; }
start_edge edge-x --workers 1 || fail fog_edge_x_online "no online status"
X=$LAST_PID
pub() { mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t fogforge/v1/task/jet-tagger "$@"; }
count_of() { node_status edge-x | $PY -c "import json,sys; print(json.load(sys.stdin)['$1'])" 2>/dev/null; }

# --- interoperability: mosquitto_pub sends a task, mosquitto_sub reads the reply + correlation data ---
mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$BROKER_PORT" -t fogforge/v1/result/interop -C 1 -W 5 -F '%D' \
    > "$FOG_DIR/corr.txt" 2>/dev/null &
S1=$!
fog_track $S1
sleep 0.3
$PY "$FOGMSG" task 4242 interop jet-tagger 5000 > "$FOG_DIR/ok.bin"
pub -f "$FOG_DIR/ok.bin" -D PUBLISH response-topic fogforge/v1/result/interop -D PUBLISH correlation-data corr-4242 \
    -D PUBLISH message-expiry-interval 10
wait $S1
if grep -q 'corr-4242' "$FOG_DIR/corr.txt"; then pass fog_interop_mosquitto_clients_request_reply
else fail fog_interop_mosquitto_clients_request_reply "reply correlation data: '$(cat "$FOG_DIR/corr.txt")'"; fi

# --- malformed payload -> error result, counted, node alive ---
mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$BROKER_PORT" -t fogforge/v1/result/junk -C 1 -W 5 -N \
    > "$FOG_DIR/junk.bin" 2>/dev/null &
S2=$!
fog_track $S2
sleep 0.3
pub -m 'this is not a fogforge task' -D PUBLISH response-topic fogforge/v1/result/junk
wait $S2
st=$($PY "$FOGMSG" result < "$FOG_DIR/junk.bin" 2>/dev/null | $PY -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["detail"][:9])' 2>/dev/null)
sleep 0.5
mal=$(count_of malformed)
if [ "$st" = "3 malformed" ] && [ "$mal" = 1 ] && kill -0 $X 2>/dev/null; then pass fog_malformed_payload_gets_error_result
else fail fog_malformed_payload_gets_error_result "status='$st' malformed=$mal"; fi
head -c 3000000 /dev/zero > "$FOG_DIR/big.bin"
pub -f "$FOG_DIR/big.bin" 2>/dev/null
sleep 0.5
mal=$(count_of malformed)
if [ "$mal" = 2 ] && kill -0 $X 2>/dev/null; then pass fog_oversized_payload_rejected_and_counted
else fail fog_oversized_payload_rejected_and_counted "malformed=$mal alive=$(kill -0 $X 2>/dev/null && echo yes)"; fi

# --- expiry: tasks published while the edge is stalled go stale and are not run ---
before=$(count_of executed)
kill -STOP $X
n=1
while [ $n -le 10 ]; do
    $PY "$FOGMSG" task $((9000 + n)) stale jet-tagger 400 > "$FOG_DIR/stale.bin"
    pub -f "$FOG_DIR/stale.bin" -D PUBLISH response-topic fogforge/v1/result/stale -D PUBLISH message-expiry-interval 1
    n=$((n + 1))
done
sleep 1.5
kill -CONT $X
sleep 1
after=$(count_of executed)
exp=$(count_of expired)
if [ -n "$after" ] && [ "$after" = "$before" ]; then pass fog_expiry_drops_stale_tasks
else fail fog_expiry_drops_stale_tasks "executed before=$before after=$after expired=$exp"; fi
# and a fresh task still runs afterwards
$PY "$FOGMSG" task 9999 fresh jet-tagger 5000 > "$FOG_DIR/fresh.bin"
pub -f "$FOG_DIR/fresh.bin" -D PUBLISH response-topic fogforge/v1/result/fresh
sleep 0.6
if [ "$(count_of executed)" = $((before + 1)) ]; then pass fog_edge_serves_fresh_task_after_stall
else fail fog_edge_serves_fresh_task_after_stall "executed=$(count_of executed) want $((before + 1))"; fi

fog_sanitizers_clean fog_expiry_malformed_daemons_sanitizer_clean
