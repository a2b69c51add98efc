# RTL back-end, branching graphs (io parallel): residual Add, Sub with a
# table activation, Concat of branches of different widths and depths (and of
# the input itself), a Conv2D residual + Concat, and shared-multiplier layers
# on a branch. Each co-simulates bit-exactly against the integer reference on
# 1000 random vectors with random valid/ready stalls, `fogforge sim`'s latency
# and II equal the manifest's, the manifest's latency is its critical path
# and its II the largest reuse factor (the FIFOs keep the full rate); the
# Verilog lints clean with -Wall.
. "$ROOT/tests/it/lib.sh"
GEN=$MODELS/gen

cfg() { printf '%s\n' "$2" > "$FF_TMP/$1.json"; echo "$FF_TMP/$1.json"; }

# mfield DIR KEY: the first integer value of KEY in the manifest
mfield() { sed -n "s/.*\"$2\":[[:space:]]*\([0-9]*\).*/\1/p" "$1/manifest.json" | head -n 1; }

# branch NAME MODEL WANT_II GEN-OPTIONS...: co-simulation, then the
# manifest's DAG figures (critical path = latency, II as wanted, lint)
branch() {
    name=$1; model=$2; want_ii=$3; shift 3
    rtl_cosim rtl_branch "$name" "$model" "$@"
    dir=$FF_TMP/rtl_branch_$name
    [ -f "$dir/manifest.json" ] || return
    crit=$(mfield "$dir" critical_path_latency_cycles)
    lat=$(rtl_mlat "$dir")
    ii=$(sed -n "s/^$(printf '\t')\"ii\":[[:space:]]*\([0-9]*\).*/\1/p" "$dir/manifest.json")
    if [ -n "$crit" ] && [ "$crit" = "$lat" ] && [ "$ii" = "$want_ii" ] && grep -q '"sources"' "$dir/manifest.json"; then
        pass "rtl_branch_${name}_manifest (critical path $crit, II $ii)"
    else
        fail "rtl_branch_${name}_manifest" "critical path '$crit', latency '$lat', II '$ii' (wanted $want_ii)"
    fi
    top=$(sed -n "s/^$(printf '\t')\"top\":[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$dir/manifest.json")
    check "rtl_branch_${name}_lint" sh -c "cd '$dir' && verilator --lint-only -Wall rtl/*.v --top-module $top"
}

# Verilator builds dominate (10-20 s each cold); FF_RTL_FULL=1 adds two more
branch residual "$GEN/branch_residual.onnx" 1                 # Dense -> Dense, + skip Add (ReLU fused)
branch sub "$GEN/branch_sub.onnx" 1                           # x - relu(Dense x), Tanh table fused
# [Dense 6 | Dense 3 -> Dense 5 | x] -> Dense, three branches at reuse 2, 4, 3
branch concat_mixed "$GEN/branch_concat.onnx" 4 \
    --config "$(cfg cm '{"LayerName": {"fca_mm": {"reuse": 2}, "fcb_mm": {"reuse": 4}, "fcc_mm": {"reuse": 3}}}')"
branch conv "$GEN/branch_conv.onnx" 1                         # Conv2D residual Add, Concat with MaxPool
if [ -n "${FF_RTL_FULL:-}" ]; then
    branch residual_r2 "$GEN/branch_residual.onnx" 2 --reuse 2    # every layer time-multiplexed
    branch concat "$GEN/branch_concat.onnx" 1                     # the same Concat, fully parallel
fi

# the plan's FIFO on the skip input of the residual Add: sized for the full rate
d=$FF_TMP/rtl_branch_residual
if grep -q '"fifo_depth":[[:space:]]*[1-9]' "$d/manifest.json" && ls "$d"/rtl/branch_residual_fifo*.v >/dev/null 2>&1; then
    pass rtl_branch_fifo_on_skip
else
    fail rtl_branch_fifo_on_skip "no FIFO in $(ls "$d/rtl" 2>&1 | tr '\n' ' ')"
fi

# Yosys's netlist of the residual design computes it: a full-rate burst through the skip FIFO
# comes out whole and bit-exact. With synth_xilinx's own `opt -full`, Yosys 0.23's opt_share
# merged the FIFO counter's +1 and -1 and the netlist lost 2 of a 12-sample burst (docs/rtl.md,
# "Synthesis flow"); fogforge synth runs that step without opt_share.
"$FF" synth "$d" >"$FF_TMP/rtl_branch_synth.out" 2>&1
out=$("$FF" sim "$d" --netlist --vectors 30 --cache "$RTL_CACHE" -q 2>&1)
if printf '%s' "$out" | grep -q "Yosys's netlist" && printf '%s' "$out" | grep -q "30 with random valid/ready stalls, 0 mismatches" &&
    printf '%s' "$out" | grep -q "^II: *1 "; then
    pass rtl_branch_residual_netlist_bit_exact
else
    fail rtl_branch_residual_netlist_bit_exact "$(printf '%s' "$out" | tail -n 4 | tr '\n' ' ') $(tail -n 2 "$FF_TMP/rtl_branch_synth.out")"
fi
