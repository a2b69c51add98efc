#!/bin/sh
# What an output's sum of K products a cycle costs in LUTs, as `fogforge synth` maps it
# (synthesis flow 2): for each K, 8 outputs of 17-bit products into 19-bit accumulators
# (adder_tree.py), synthesized alone and beside an unconnected 200-stage majority chain
# (a deeper path, as a larger design has; its own LUTs, measured with K = 1 both ways, are
# subtracted). Each module is a minimal rtl project (a manifest naming it) that
# `fogforge synth` synthesizes like any generated design. Prints LUTs per accumulator bit,
# the figures behind sum_luts() in surrogates/analytic.c (docs/surrogates-log.md, session
# 24). About 10 minutes of Yosys.
# usage: [FF=path/to/fogforge] scripts/experiments/adder_trees.sh [K...]   (default 1 2 3 4 6 8 12 16)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
FF=${FF:-$here/../../build/fogforge}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
U=8 PW=17 SW=19
luts() { # K CHAIN -> LUT count
    p=$w/k$1_c$2
    mkdir -p "$p/rtl"
    python3 "$here/adder_tree.py" "$1" $U $PW $SW "$2" >"$p/rtl/top.v"
    printf '{"backend": "rtl", "top": "top", "latency_cycles": 0, "ii": 1, "rtl": ["rtl/top.v"]}\n' >"$p/manifest.json"
    "$FF" synth "$p" --json | python3 -c "import json, sys; print(json.load(sys.stdin)['total']['lut'])"
}
base_alone=$(luts 1 0)
chain=$(($(luts 1 200) - base_alone))
printf '%4s %12s %12s\n' K "alone" "with chain"
for k in ${*:-1 2 3 4 6 8 12 16}; do
    a=$(luts "$k" 0)
    c=$(($(luts "$k" 200) - chain))
    awk -v k="$k" -v a="$a" -v c="$c" -v n=$((U * SW)) 'BEGIN { printf "%4d %12.2f %12.2f\n", k, a / n, c / n }'
done
