# Helpers for tests/it/fog_*.sh (sourced after tests/it/lib.sh): a real
# mosquitto on a free loopback port, fog daemons started in the background,
# and cleanup of every started process by PID on exit.
FOGD=${FOGD:-$ROOT/$BUILD/fogforge-asan}
FOGMSG=$ROOT/tests/fog/fogmsg.py
PY=/usr/bin/python3
FOG_PIDS=""
FOG_DIR=$(mktemp -d "$FF_TMP/fog.XXXXXX")

fog_cleanup() {
    for p in $FOG_PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $FOG_PIDS; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    FOG_PIDS=""
}
trap fog_cleanup EXIT INT TERM

fog_track() { FOG_PIDS="$FOG_PIDS $1"; }

free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# start_broker: sets BROKER_PORT, BROKER_PID, BROKER
start_broker() {
    for attempt in 1 2 3 4 5; do
        BROKER_PORT=$(free_port)
        printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 0\n' \
            "$BROKER_PORT" > "$FOG_DIR/mosquitto.conf"
        /usr/sbin/mosquitto -c "$FOG_DIR/mosquitto.conf" > "$FOG_DIR/mosquitto.log" 2>&1 &
        BROKER_PID=$!
        fog_track $BROKER_PID
        BROKER=tcp://127.0.0.1:$BROKER_PORT
        i=0
        while [ $i -lt 50 ]; do
            if mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t fogforge/v1/ping -m x 2>/dev/null; then return 0; fi
            kill -0 $BROKER_PID 2>/dev/null || break
            sleep 0.1
            i=$((i + 1))
        done
    done
    echo "cannot start mosquitto: $(cat "$FOG_DIR/mosquitto.log")"
    return 1
}

# retained status JSON of node $1 (empty if none within 2 s)
node_status() {
    mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "fogforge/v1/node/$1/status" -C 1 -W 2 2>/dev/null
}

# wait_status NODE STATE: polls the retained status until it says STATE (max ~5 s)
wait_status() {
    i=0
    while [ $i -lt 25 ]; do
        if node_status "$1" | grep -q "\"state\":\"$2\""; then return 0; fi
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}

# start_edge ID [extra options]: sets LAST_PID
start_edge() {
    id=$1; shift
    "$FOGD" edge --broker "$BROKER" --id "$id" --status-interval-ms 200 "$@" 2> "$FOG_DIR/$id.log" &
    LAST_PID=$!
    fog_track $LAST_PID
    wait_status "$id" online
}

# wait_exit PID TENTHS: gives a process up to TENTHS tenths of a second to
# finish on its own, then waits for it; returns its exit status
wait_exit() {
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do sleep 0.1; i=$((i + 1)); done
    wait "$1"
}

# jget FILE KEY.PATH: prints a value of a JSON file
jget() { $PY -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2" 2>/dev/null; }

# fog_sanitizers_clean NAME: stops every started process (SIGTERM, so ASan's
# leak check runs at exit) and passes when no daemon log reports an error.
fog_sanitizers_clean() {
    fog_cleanup
    bad=$(grep -l -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$FOG_DIR"/*.log 2>/dev/null)
    if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$(for f in $bad; do basename "$f"; grep -m 3 -E 'ERROR|runtime error|#[0-9] ' "$f"; done | head -c 600)"; fi
}
