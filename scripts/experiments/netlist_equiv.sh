#!/bin/sh
# Formal check, by Yosys's SAT solver, that the netlist `fogforge synth` wrote for a project
# computes what its RTL does: a miter of the RTL (gold) and the netlist with Yosys's Xilinx
# cell models (gate), every input free at every step, reset asserted at step 1, registers
# undefined at the start, outputs compared wherever the RTL's are defined, for STEPS clock
# cycles (default 6; a design's latency plus a few). A second opinion beside
# `fogforge sim --netlist` (Verilator), used for L000080 (docs/rtl.md, "Limits"). Multipliers
# make the SAT problem hard: L000080 (an average pool, no multiplier) takes about 1.5 minutes at
# 6 steps; a Dense 32x8 layer at R = 8 (40 multipliers) had not finished in 5.
# usage: scripts/experiments/netlist_equiv.sh PROJECT [STEPS]
set -eu
p=$(cd "$1" && pwd)
steps=${2:-6}
top=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['top'])" "$p/manifest.json")
files=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(' '.join(sys.argv[2] + '/' + f for f in m['rtl']))" "$p/manifest.json" "$p")
net=$p/.build/synth_xc7/netlist.v
[ -s "$net" ] || { echo "netlist_equiv.sh: $net: missing (run fogforge synth $1 first)" >&2; exit 2; }
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cat >"$w/eq.ys" <<EOS
read_verilog $files
prep -top $top -flatten
memory
opt_clean
rename $top gold
design -stash gold
read_verilog $net
read_verilog +/xilinx/cells_sim.v
hierarchy -top $top
flatten
proc
opt_clean
rename $top gate
design -stash gate
design -copy-from gold -as gold gold
design -copy-from gate -as gate gate
miter -equiv -flatten -make_outputs -ignore_gold_x gold gate miter
hierarchy -top miter
sat -verify -prove trigger 0 -set-at 1 in_rst 1 -set-init-undef -set-def-inputs -seq $steps miter
EOS
if yosys -q "$w/eq.ys" >"$w/log" 2>&1; then
    echo "equivalent for $steps cycles from reset: $1"
else
    grep -E "ERROR|FAIL" "$w/log" | head -5
    echo "NOT shown equivalent (log above): $1"
    exit 1
fi
