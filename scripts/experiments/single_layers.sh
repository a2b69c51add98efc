#!/bin/sh
# Designs of one parallel layer (R < its inputs) against Yosys: for each model of
# single_layers.py (27), the analytical LUT estimate, the learned surrogate's (by default the
# committed model, whose alone trees estimate such designs: `train --parallel 2`), and
# `fogforge synth`'s count; then the SMAPE of both. The figures of docs/surrogates.md,
# "Parallel layers in the trees?" (session 33). About 35 minutes of Yosys on 2 cores.
# usage: [FF=path/to/fogforge] [SURROGATE=MODELDIR] scripts/experiments/single_layers.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
FF=${FF:-$here/../../build/fogforge}
S=${SURROGATE:-$here/../../surrogates/models}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
lut() { python3 -c "import json, sys; print(round(json.load(sys.stdin)['total']['lut']))"; }
python3 "$here/single_layers.py" "$w" >"$w/list.txt"
printf '%-10s %4s %8s %10s %8s\n' design R yosys analytical learned
while read -r m r; do
    n=$(basename "$m" .onnx)
    a=$("$FF" estimate "$m" --reuse "$r" --surrogate analytical --json | lut)
    l=$("$FF" estimate "$m" --reuse "$r" --surrogate "$S" --json | lut)
    "$FF" gen "$m" --backend rtl --reuse "$r" -o "$w/$n" >/dev/null
    y=$("$FF" synth "$w/$n" --json | lut)
    printf '%-10s %4d %8d %10d %8d\n' "$n" "$r" "$y" "$a" "$l"
done <"$w/list.txt" | tee "$w/res.txt"
awk '{ y = $3; a = $4; l = $5; sa += 2 * (a > y ? a - y : y - a) / (a + y); sl += 2 * (l > y ? l - y : y - l) / (l + y); n++ }
     END { printf "LUT SMAPE over %d designs: analytical %.1f%%, learned %.1f%%\n", n, 100 * sa / n, 100 * sl / n }' "$w/res.txt"
