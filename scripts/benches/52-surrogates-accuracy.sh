# Surrogate accuracy on the committed dataset snapshot (surrogates/dataset/):
# `fogforge surrogate eval` with the training options of the committed model
# (surrogates/models/README.md): all records, the held-out random fifth, the
# depth split (networks of 4-6 layers held out) and 5-fold cross-validation,
# per target for the analytical and the learned model. Targets (issue): random
# split SMAPE <= 5% LUT/FF, <= 3% DSP, BRAM exact in >= 95%, latency and II
# exact in 100%; depth split <= 8% LUT/FF. About 4 minutes (seven trainings).
set -eu
S=$ROOT/surrogates/dataset
T=$BENCH_TMP/surr-acc
mkdir -p "$T"
xz -dc "$S"/designs*.jsonl.xz >"$T/designs.jsonl"
cp "$S/command.txt" "$T/"
# the training options of the README's command (what follows "-o surrogates/models")
topts=$(sed -n 's|^fogforge surrogate train DS/designs.jsonl -o surrogates/models\(.*\)$|\1|p' "$ROOT/surrogates/models/README.md")
echo "training options: ${topts:-(defaults)}"
"$FF" surrogate eval "$T/designs.jsonl" "$ROOT/surrogates/models" $topts --cv
rm -rf "$T"
