#!/bin/sh
# Ctrl-C during `make demo`'s fleet run stops every process the demo
# started (mosquitto, edges, cloud, robots, monitor) and make exits 130-ish.
# It runs the whole demo up to the fleet (~2-3 min), so it is in
# `make test-slow`, not in `make test`.
. "$ROOT/tests/it/lib.sh"
if /usr/bin/python3 - "$ROOT" "$FF_TMP/demo.out" <<'PYEOF'
import os, signal, subprocess, sys, time
root, log = sys.argv[1], sys.argv[2]
# a foreground make as a user's terminal would run it: SIGINT not ignored
p = subprocess.Popen(["make", "-C", root, "demo"], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                     start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
t0 = time.time()
while time.time() - t0 < 400 and "== 6. the fleet" not in open(log).read():
    time.sleep(2)
time.sleep(8)
os.killpg(p.pid, signal.SIGINT)
rc = p.wait(timeout=60)
time.sleep(1)
out = os.path.join(root, "demo-out")
left = [l for l in subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout.splitlines()
        if out in l]
assert rc != 0, "make exited 0 after SIGINT"
assert not left, left
PYEOF
then pass demo_sigint_stops_every_process
else fail demo_sigint_stops_every_process "$(tail -n 3 "$FF_TMP/demo.out" | tr '\n' ' ')"; fi
