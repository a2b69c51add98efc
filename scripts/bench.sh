#!/bin/sh
# make bench: runs every scripts/benches/*.sh in order. Each prints its
# figures as ratios against a baseline measured in the same run (ONNX
# Runtime, raw MQTT/ZeroMQ round trips, Yosys time). Results go to stdout and
# to $BENCH_OUT (default build/bench/), and are recorded by hand in docs/results.md.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT BUILD
export FF="$ROOT/$BUILD/fogforge"
export BENCH_OUT=${BENCH_OUT:-$ROOT/$BUILD/bench}
export BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fogforge-bench.XXXXXX")
export POCL_CACHE_DIR="$BENCH_TMP/pocl"
mkdir -p "$BENCH_OUT"
only=${BENCH:-}
status=0
for b in "$ROOT"/scripts/benches/*.sh; do
    n=$(basename "$b" .sh)
    case " $only " in "  ") ;; *" $n "*) ;; *) continue ;; esac
    echo "== $n"
    if ! sh "$b" | tee "$BENCH_OUT/$n.txt"; then
        echo "bench $n failed" >&2
        status=1
    fi
done
rm -rf "$BENCH_TMP"
exit $status
