#!/bin/sh
# RTL back-end benchmark (not part of make test: Yosys on the fully parallel
# jet tagger takes minutes and GBs). Generates the jet tagger
# (three_layer_keras, 16-64-32-32-5) at w8a8 and w16a16, R=1, and at w8a8 with
# R = 4, 16, 64 (last layer 32: 64 does not divide its 160 products);
# co-simulates each with Verilator (latency, II, samples/s) and synthesizes
# with Yosys xc7; writes table rows to stdout (recorded in docs/rtl.md) and a
# LUT/DSP-vs-latency plot ($OUT/rtl-tradeoff.svg, copied to docs/ by hand).
# Latency and II measured by Verilator are checked against the manifest's
# formula (exit 1 on a difference). Yosys on R = 1 (4,209 constant
# multipliers) and R = 4 takes tens of minutes and GBs: only with
# FF_BENCH_RTL_FULL=1; by default R = 16 and R = 64 are synthesized.
# Usage: scripts/bench_rtl.sh [OUTDIR]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FF=${FF:-$ROOT/${BUILD:-build}/fogforge}
OUT=${1:-$ROOT/${BUILD:-build}/bench-rtl}
MODEL=$ROOT/tests/models/three_layer_keras.onnx
mkdir -p "$OUT"
printf '{"Model": {"reuse": 64}, "LayerName": {"_class__keras_layers_core_Dense__3": {"reuse": 32}}}\n' >"$OUT/r64.json"
echo "| design | multipliers | latency (cycles) | = formula | II | LUT | FF | DSP48 | BRAM18 | CARRY | critical path estimate (ns) | Yosys s | Verilator samples/s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
status=0
: >"$OUT/tradeoff.dat"
for v in "w8a8_r1:--reuse 1" "w16a16_r1:--reuse 1 --wbits 16 --abits 16" "w8a8_r4:--reuse 4" "w8a8_r16:--reuse 16" \
    "w8a8_r64:--config $OUT/r64.json"; do
    name=${v%%:*}
    opts=${v#*:}
    d=$OUT/jet_$name
    # shellcheck disable=SC2086
    "$FF" gen "$MODEL" --backend rtl --part xcu250 $opts -o "$d" 2>/dev/null
    sim=$("$FF" sim "$d" --vectors 10000 --json -q)
    case "$name:${FF_BENCH_RTL_FULL:-0}" in
    *_r1:0 | *_r4:0) syn='{}' ;;
    *) syn=$("$FF" synth "$d" --json 2>"$d.synth.log") ;;
    esac
    g() { printf '%s' "$1" | sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p"; }
    mult=$(sed -n 's/^\t\t"multipliers":\t\([0-9]*\).*/\1/p' "$d/manifest.json")
    lat=$(g "$sim" latency_cycles); elat=$(g "$sim" expected_latency_cycles)
    if [ -n "$lat" ] && [ "$lat" = "$elat" ] && [ "$(g "$sim" ii)" = "$(g "$sim" expected_ii)" ]; then same=yes; else same="NO ($elat)"; status=1; fi
    echo "| jet $name | $mult | $lat | $same | $(g "$sim" ii) | $(g "$syn" lut) | $(g "$syn" ff) | $(g "$syn" dsp) | $(g "$syn" bram18) | $(g "$syn" carry) | $(g "$syn" critical_path_ns_estimate) | $(g "$syn" seconds) | $(g "$sim" samples_per_second) |"
    case $name in w8a8_*) [ -n "$(g "$syn" lut)" ] && echo "$lat $(g "$syn" lut) $(g "$syn" dsp) $name" >>"$OUT/tradeoff.dat" ;; esac
done
if command -v gnuplot >/dev/null; then
    gnuplot <<GP
set terminal svg size 720,420
set output "$OUT/rtl-tradeoff.svg"
set title "Jet tagger w8a8 (Yosys xc7): resources vs latency over reuse factor"
set xlabel "latency (cycles)"
set ylabel "LUT"
set y2label "DSP48"
set ytics nomirror
set y2tics
set logscale x
set key top right
plot "$OUT/tradeoff.dat" using 1:2 with linespoints title "LUT" axes x1y1, \
     "$OUT/tradeoff.dat" using 1:3 with linespoints title "DSP48" axes x1y2, \
     "$OUT/tradeoff.dat" using 1:2:4 with labels offset 0,1 notitle
GP
fi
exit $status
