#!/bin/sh
# Runs every libFuzzer target for a bounded time, each from its seed corpus
# (tests/fuzz/corpus/<target>/) copied into a temp dir, so the repository is
# never written. Usage: scripts/fuzz.sh [TOTAL_SECONDS]   (default 60)
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
total=${1:-60}
targets=$(ls "$ROOT/$BUILD"/fuzz/fuzz_* 2>/dev/null)
if [ -z "$targets" ]; then
    echo "fuzz: no fuzz targets built (make fuzz-build)" >&2
    exit 1
fi
n=$(echo "$targets" | wc -l)
per=$(( total / n ))
[ "$per" -lt 5 ] && per=5
work=$(mktemp -d "${TMPDIR:-/tmp}/fogforge-fuzz.XXXXXX")
status=0
for t in $targets; do
    name=$(basename "$t" | sed 's/^fuzz_//')
    mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
    if [ -d "$ROOT/tests/fuzz/corpus/$name" ]; then
        cp -r "$ROOT/tests/fuzz/corpus/$name/." "$work/$name/corpus/"
    fi
    if "$t" -max_total_time="$per" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" >"$work/$name/log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name/log" | grep -o '[0-9]*$')
        [ -z "$runs" ] && runs=$(grep -Eo '^#[0-9]+' "$work/$name/log" | tail -n 1 | tr -d '#')
        echo "PASS fuzz_$name ${per}s ${runs:-?} runs, no crash"
    else
        echo "FAIL fuzz_$name: crash or leak, see $work/$name/log and $work/$name/artifacts"
        tail -n 30 "$work/$name/log"
        status=1
    fi
done
[ "$status" -eq 0 ] && rm -rf "$work"
exit "$status"
