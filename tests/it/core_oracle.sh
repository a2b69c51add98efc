# Float reference vs an independent oracle, on the real hls4ml models.
#
# For each supported model in tests/models: 256 seeded N(0,1) samples
# (tests/oracle/gen_inputs.py), then
#   ORACLE  ONNX Runtime on CPU, one thread (tests/oracle/ort_run.js; models
#           ORT refuses as they are go through fix_batch.py transparently).
#           When ORT refuses a model even then, the NumPy evaluator
#           (tests/oracle/np_eval.py) is the oracle and the check is np_NAME.
#   CROSS   np_eval.py vs ORT on every model ORT runs: the two oracles share no
#           code, so this checks the oracle itself (np_vs_ort_NAME).
#   OPS     np_eval.py vs ORT on synthetic one-feature-each models
#           (tests/oracle/op_models.py): np_vs_ort_op_NAME.
#   CHECK   "$FF" run MODEL --input in.txt -o out.txt (the float reference)
#           vs the oracle (ort_NAME / np_NAME).
# Tolerance everywhere: |err| <= 1e-6 or |err| <= 1e-5 * |ref|; the PASS line
# carries the measured max_abs and max_rel (= |err| / max(|ref|, 0.1), see
# tests/oracle/compare.py). A missing ONNX Runtime is a FAIL, never a skip.
. "$ROOT/tests/it/lib.sh"

OR=$ROOT/tests/oracle
PY=${FF_PYTHON:-/usr/bin/python3}
N=256
SEED=20240601
RTOL=1e-5
ATOL=1e-6
SUPPORTED="three_layer_keras three_layer_pytorch three_layer_bn_keras two_layer_keras dense_big_keras conv1d_small_keras conv2d_small_keras"
W=$FF_TMP/core_oracle
mkdir -p "$W"

one_line() { tr '\n' ' ' < "$1" | cut -c1-400; }

# compare_check NAME A REF: PASS/FAIL line from compare.py's verdict
compare_check() {
    name=$1
    if res=$("$PY" "$OR/compare.py" "$2" "$3" --rtol $RTOL --atol $ATOL 2>&1); then
        pass "$name $res"
    else
        fail "$name" "$res"
    fi
}

if [ ! -x "$PY" ] || ! "$PY" -c 'import onnx, numpy' 2>/dev/null; then
    fail oracle_python "$PY cannot import onnx and numpy (Debian: apt-get install python3-onnx python3-numpy; or set FF_PYTHON)"
fi
if ! command -v node >/dev/null 2>&1; then
    fail oracle_ort "node not found: ONNX Runtime (the float oracle) cannot run; install nodejs and run scripts/oracle-setup.sh"
fi

# The comparator must be able to fail: a single value off by 1e-4 relative
# has to be caught.
printf '0.5 -2 0.000001\n1 2 3\n' > "$W/cmp_ref.txt"
printf '0.50005 -2 0.000001\n1 2 3\n' > "$W/cmp_bad.txt"
printf '0.500002 -2.00001 0.0000015\n1 2 3\n' > "$W/cmp_ok.txt"
if "$PY" "$OR/compare.py" "$W/cmp_bad.txt" "$W/cmp_ref.txt" >/dev/null 2>&1; then
    fail oracle_compare_detects_error "compare.py accepted a 1e-4 relative error"
elif ! "$PY" "$OR/compare.py" "$W/cmp_ok.txt" "$W/cmp_ref.txt" >/dev/null 2>&1; then
    fail oracle_compare_detects_error "compare.py rejected errors within tolerance"
else
    pass oracle_compare_detects_error
fi

for m in $SUPPORTED; do
    model=$MODELS/$m.onnx
    d=$W/$m
    mkdir -p "$d"
    if [ ! -f "$model" ]; then
        fail "ort_$m" "model $model is missing"
        continue
    fi
    if ! "$PY" "$OR/gen_inputs.py" $N $SEED "$model" > "$d/in.txt" 2> "$d/gen.err"; then
        fail "ort_$m" "gen_inputs.py failed: $(one_line "$d/gen.err")"
        continue
    fi

    # oracle: ORT, or np_eval when ORT refuses the model
    node "$OR/ort_run.js" "$model" "$d/in.txt" "$d/ort.txt" 2> "$d/ort.err"
    ort_rc=$?
    "$PY" "$OR/np_eval.py" "$model" "$d/in.txt" "$d/np.txt" 2> "$d/np.err"
    np_rc=$?
    case $ort_rc in
    0)  oracle=ort; ref=$d/ort.txt
        if [ $np_rc -ne 0 ]; then
            fail "np_vs_ort_$m" "np_eval.py exited $np_rc: $(one_line "$d/np.err")"
        else
            compare_check "np_vs_ort_$m" "$d/np.txt" "$d/ort.txt"
        fi ;;
    3)  oracle=np; ref=$d/np.txt
        echo "note: $m: $(one_line "$d/ort.err"); np_eval.py is the oracle"
        if [ $np_rc -ne 0 ]; then
            fail "np_$m" "ORT refuses the model and np_eval.py exited $np_rc: $(one_line "$d/np.err")"
            continue
        fi ;;
    *)  fail "ort_$m" "ONNX Runtime oracle unavailable (ort_run.js exit $ort_rc): $(one_line "$d/ort.err")"
        continue ;;
    esac

    # fogforge's float reference
    "$FF" run "$model" --input "$d/in.txt" -o "$d/ff.txt" > "$d/ff.out" 2> "$d/ff.err"
    ff_rc=$?
    if [ $ff_rc -ne 0 ]; then
        fail "${oracle}_$m" "fogforge run exited $ff_rc: $(one_line "$d/ff.err")"
        continue
    fi
    compare_check "${oracle}_$m" "$d/ff.txt" "$ref"
done

# The NumPy oracle op by op: synthetic models (tests/oracle/op_models.py) for
# the ops and attributes the real models do not reach, np_eval vs ORT.
if "$PY" "$OR/op_models.py" "$W/ops" > "$W/ops.list" 2> "$W/ops.err"; then
    while read -r f; do
        b=$(basename "$f" .onnx)
        if ! "$PY" "$OR/gen_inputs.py" 64 $SEED "$f" > "$W/ops/$b.in" 2> "$W/ops/$b.err"; then
            fail "np_vs_ort_$b" "gen_inputs.py failed: $(one_line "$W/ops/$b.err")"
        elif ! node "$OR/ort_run.js" "$f" "$W/ops/$b.in" "$W/ops/$b.ort" 2> "$W/ops/$b.err"; then
            fail "np_vs_ort_$b" "ort_run.js failed: $(one_line "$W/ops/$b.err")"
        elif ! "$PY" "$OR/np_eval.py" "$f" "$W/ops/$b.in" "$W/ops/$b.np" 2> "$W/ops/$b.err"; then
            fail "np_vs_ort_$b" "np_eval.py failed: $(one_line "$W/ops/$b.err")"
        else
            compare_check "np_vs_ort_$b" "$W/ops/$b.np" "$W/ops/$b.ort"
        fi
    done < "$W/ops.list"
    [ -s "$W/ops.list" ] || fail oracle_op_models "op_models.py wrote no model"
else
    fail oracle_op_models "op_models.py failed: $(one_line "$W/ops.err")"
fi

# The unsupported-op example: both oracles must refuse it with a clear error
# (this is what makes the np_eval fallback above trustworthy).
m=bnn_model_fc_1layer
if [ -f "$MODELS/$m.onnx" ]; then
    printf '0.1 -0.2 0.3\n' > "$W/bnn.in"
    expect_exit oracle_ort_refuses_$m 3 "ORT refuses .*BipolarQuant" node "$OR/ort_run.js" "$MODELS/$m.onnx" "$W/bnn.in" "$W/bnn.ort"
    expect_exit oracle_np_eval_refuses_$m 2 "BipolarQuant.*unsupported op" "$PY" "$OR/np_eval.py" "$MODELS/$m.onnx" "$W/bnn.in" "$W/bnn.np"
else
    fail oracle_refuses_$m "model $MODELS/$m.onnx is missing"
fi
