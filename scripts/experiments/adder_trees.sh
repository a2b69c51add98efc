#!/bin/sh
# What an output's sum of K products a cycle costs in LUTs, as Yosys maps
# it with the steps `fogforge synth` runs (synthesis flow 2, sim/synth.c):
# for each K, 8 outputs of 17-bit products into 19-bit accumulators,
# synthesized alone and beside an unconnected 200-stage majority chain
# (a deeper path, as a larger design has; its own LUTs, measured with
# K = 1 both ways, are subtracted). Prints LUTs per accumulator bit, the
# figures behind sum_luts() in surrogates/analytic.c (docs/surrogates-log.md,
# session 24). About 10 minutes of Yosys.
# usage: scripts/experiments/adder_trees.sh [K...]   (default 1 2 3 4 6 8 12 16)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
U=8 PW=17 SW=19
luts() { # K CHAIN -> LUT count
    python3 "$here/adder_tree.py" "$1" $U $PW $SW "$2" >"$w/top.v"
    cat >"$w/s.ys" <<EOS
read_verilog $w/top.v
scratchpad -set xilinx_dsp.multonly 1
synth_xilinx -family xc7 -flatten -noiopad -top top -run begin:map_memory
opt_clean
synth_xilinx -family xc7 -flatten -noiopad -top top -run map_memory:fine
opt -mux_undef -mux_bool -undriven -fine -sat
xilinx_srl -variable -minlen 3
techmap -map +/techmap.v -D LUT_SIZE=6 -map +/xilinx/arith_map.v
opt -fast
synth_xilinx -family xc7 -flatten -noiopad -top top -run map_cells:
tee -q -o $w/stat.json stat -json
EOS
    yosys -q -s "$w/s.ys" >"$w/log" 2>&1
    python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['modules']['\\\\top']['num_cells_by_type']; print(sum(v for c,v in m.items() if c.startswith('LUT')))" "$w/stat.json"
}
base_alone=$(luts 1 0)
chain=$(($(luts 1 200) - base_alone))
printf '%4s %12s %12s\n' K "alone" "with chain"
for k in ${*:-1 2 3 4 6 8 12 16}; do
    a=$(luts "$k" 0)
    c=$(($(luts "$k" 200) - chain))
    awk -v k="$k" -v a="$a" -v c="$c" -v n=$((U * SW)) 'BEGIN { printf "%4d %12.2f %12.2f\n", k, a / n, c / n }'
done
