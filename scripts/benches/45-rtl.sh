#!/bin/sh
# RTL back-end: the jet tagger at R = 1, 4, 16, 64 (w8a8) and R = 1 (w16a16):
# Verilator latency/II against the manifest's formula and samples/s, Yosys xc7
# resources and critical-path estimate for R = 16 and 64 (all with
# FF_BENCH_RTL_FULL=1), and the LUT/DSP-vs-latency plot.
exec sh "$ROOT/scripts/bench_rtl.sh" "$BENCH_OUT/rtl"
