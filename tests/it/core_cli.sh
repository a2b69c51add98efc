# The core CLI contract: inspect, run (float and integer), quantize, the
# quantization agreement per model, and one-line errors with exit 2.
. "$ROOT/tests/it/lib.sh"
ORACLE=$ROOT/tests/oracle
PY=/usr/bin/python3
cd "$FF_TMP" || exit 1

SUPPORTED="three_layer_keras three_layer_pytorch three_layer_bn_keras two_layer_keras dense_big_keras conv1d_small_keras conv2d_small_keras"

check help_lists_commands sh -c "'$FF' help | grep -q quantize && '$FF' run --help | grep -q -- --raw"
check version sh -c "'$FF' version | grep -q '^fogforge '"

for m in $SUPPORTED; do
    M=$MODELS/$m.onnx
    "$PY" "$ORACLE/gen_inputs.py" 2000 7 "$M" > "in_$m.txt"
    "$FF" run "$M" --input "in_$m.txt" -o "f_$m.txt" || fail "run_float_$m" "exit $?"
    for b in 8 16; do
        want=$([ $b = 8 ] && echo 97 || echo 99.5)
        if "$FF" run "$M" --input "in_$m.txt" --wbits $b --abits $b -o "q${b}_$m.txt" 2>err.txt; then
            got=$("$PY" "$ORACLE/compare.py" "f_$m.txt" "q${b}_$m.txt" --argmax | sed -n 's/argmax_agreement=\([0-9.]*\)%.*/\1/p')
            if [ "$m" = two_layer_keras ]; then
                # one sigmoid output: compare the decision (p > 0.5) instead of a trivial argmax
                got=$(paste "f_$m.txt" "q${b}_$m.txt" | awk '{a+=(($1>0.5)==($2>0.5))} END {printf "%.2f", 100*a/NR}')
            fi
            if awk "BEGIN{exit !($got >= $want)}"; then pass "agreement_w${b}a${b}_$m $got%"; else fail "agreement_w${b}a${b}_$m" "$got% < $want%"; fi
        else
            fail "agreement_w${b}a${b}_$m" "$(cat err.txt)"
        fi
    done
    # quantize -> .ffq -> run gives the same integers as quantizing on the fly
    "$FF" quantize "$M" -o "$m.ffq" 2>/dev/null &&
        "$FF" run "$m.ffq" --input "in_$m.txt" --raw -o "ffq_$m.txt" &&
        "$FF" run "$M" --input "in_$m.txt" --wbits 8 --abits 8 --raw -o "raw_$m.txt"
    if cmp -s "ffq_$m.txt" "raw_$m.txt"; then pass "ffq_equals_onthefly_$m"; else fail "ffq_equals_onthefly_$m" "raw outputs differ"; fi
    # float graph stored in the .ffq reproduces the float reference exactly
    "$FF" run "$m.ffq" --float --input "in_$m.txt" -o "ffqf_$m.txt"
    if cmp -s "ffqf_$m.txt" "f_$m.txt"; then pass "ffq_float_graph_$m"; else fail "ffq_float_graph_$m" "float outputs differ"; fi
done

# .npy input gives the same as text
"$PY" -c "import numpy as np; np.save('in.npy', np.loadtxt('in_three_layer_keras.txt', ndmin=2).astype(np.float32))"
"$FF" run "$MODELS/three_layer_keras.onnx" --input in.npy -o npy_out.txt
if cmp -s npy_out.txt f_three_layer_keras.txt; then pass npy_input_matches_text; else fail npy_input_matches_text "outputs differ"; fi
"$FF" run "$MODELS/three_layer_keras.onnx" --input in.npy -o out.npy
check npy_output_readable "$PY" -c "import numpy as np; a=np.load('out.npy'); assert a.shape==(2000,5) and a.dtype==np.float32"

check inspect_json_counts sh -c "'$FF' inspect --json '$MODELS/three_layer_keras.onnx' | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"macs\"]==4256 and len(d[\"layers\"])==5'"
check inspect_bn_folds sh -c "'$FF' inspect '$MODELS/three_layer_bn_keras.onnx' | grep -q \"folded BatchNormalization 'BatchNormalization__3'\""

# config levels reach the .ffq
cat > cfg.json <<'JSON'
{"Model": {"weight_bits": 6, "act_bits": 10}, "LayerName": {"_class__keras_layers_core_Dense__1": {"reuse": 4}}}
JSON
"$FF" quantize "$MODELS/three_layer_keras.onnx" --config cfg.json -o cfg.ffq 2>/dev/null
# packed .ffq arrays (docs/ffq-format.md): dtype, count, base64 of little-endian values
UNPACK="
import base64, struct
def unpack(a):
    f = {'int8': 'b', 'int16': 'h', 'int32': 'i', 'int64': 'q', 'float32': 'f'}[a['dtype']]
    return list(struct.unpack('<%d%s' % (a['count'], f), base64.b64decode(a['base64'])))
"
check config_reaches_ffq "$PY" -c "
$UNPACK
import json; d=json.load(open('cfg.ffq')); L=d['layers']
assert L[0]['config']['weight_bits']==6 and L[0]['config']['act_bits']==10, L[0]['config']
assert L[1]['config']['reuse']==4 and L[0]['config']['reuse']==1
assert max(abs(v) for v in unpack(L[0]['qw'])) <= 31"
# --json-arrays writes the same model with JSON arrays instead of packed ones
"$FF" quantize "$MODELS/three_layer_keras.onnx" --config cfg.json --json-arrays -o cfg_plain.ffq 2>/dev/null
check ffq_json_arrays_same_model "$PY" -c "
$UNPACK
import json; a=json.load(open('cfg.ffq'))['layers']; b=json.load(open('cfg_plain.ffq'))['layers']
for x, y in zip(a, b):
    for k in ('w', 'b', 'qw', 'qb', 'lut', 'exp_lut'):
        if k in x:
            assert isinstance(y[k], list) and isinstance(x[k], dict), k
            if x[k]['dtype'] == 'float32':  # plain JSON prints the float as a double, to 15-17 digits
                y[k] = list(struct.unpack('<%df' % len(y[k]), struct.pack('<%df' % len(y[k]), *y[k])))
            assert unpack(x[k]) == y[k], (x['name'], k)
"
"$FF" run cfg.ffq --input in_three_layer_keras.txt --raw -o cfg_packed.out
"$FF" run cfg_plain.ffq --input in_three_layer_keras.txt --raw -o cfg_plain.out
check ffq_json_arrays_same_outputs cmp cfg_packed.out cfg_plain.out

# --- bad input: one line, exit 2 ---
head -c 100 "$MODELS/three_layer_keras.onnx" > trunc.onnx
printf 'hello world\n' > text.onnx
head -c 2000 /dev/urandom > random.onnx
printf '1 2 3\n' > narrow.txt
sed 's/^\([^ ]*\) /\1 abc /' in_three_layer_keras.txt | head -3 > nonnum.txt
expect_exit bad_truncated_onnx 2 'trunc.onnx' "$FF" run trunc.onnx --input narrow.txt
expect_exit bad_text_as_onnx 2 'text.onnx' "$FF" inspect text.onnx
expect_exit bad_random_onnx 2 'random.onnx' "$FF" inspect random.onnx
expect_exit bad_missing_file 2 'nonexistent.onnx' "$FF" inspect nonexistent.onnx
expect_exit unsupported_op_quant 2 "unsupported op 'BipolarQuant'.*node" "$FF" inspect "$MODELS/bnn_model_fc_1layer.onnx"
expect_exit bad_input_width 2 'narrow.txt:1: expected 16 values, got 3' "$FF" run "$MODELS/three_layer_keras.onnx" --input narrow.txt
expect_exit bad_input_nonnumeric 2 "nonnum.txt:1: field 2 'abc'" "$FF" run "$MODELS/three_layer_keras.onnx" --input nonnum.txt
expect_exit bad_wbits 2 'wbits wants an integer in 2..16' "$FF" run "$MODELS/three_layer_keras.onnx" --input narrow.txt --wbits 40
expect_exit bad_option 2 'bad arguments' "$FF" run "$MODELS/three_layer_keras.onnx" --bogus
expect_exit unknown_command 2 "unknown command 'frobnicate'" "$FF" frobnicate
echo '{"Model": {"weight_bits": 1}}' > badcfg.json
expect_exit bad_config_value 2 'badcfg.json: Model.weight_bits must be an integer in 2..16' "$FF" quantize "$MODELS/three_layer_keras.onnx" --config badcfg.json -o x.ffq
echo '{"LayerName": {"nope": {"reuse": 2}}}' > badname.json
expect_exit bad_config_layer 2 "LayerName 'nope' is not a layer" "$FF" quantize "$MODELS/three_layer_keras.onnx" --config badname.json -o x.ffq
if [ -e x.ffq ]; then fail nothing_written_on_error "x.ffq exists"; else pass nothing_written_on_error; fi
head -c 500 three_layer_keras.ffq > trunc.ffq
expect_exit bad_truncated_ffq 2 'trunc.ffq: not a .ffq file' "$FF" run trunc.ffq --input narrow.txt
"$PY" -c "
import json; d=json.load(open('cfg.ffq')); d['layers'][1]['qw']['base64'] = '!' + d['layers'][1]['qw']['base64'][1:]
json.dump(d, open('badb64.ffq', 'w'))"
expect_exit bad_packed_ffq 2 "badb64.ffq: layer 1 '.*': packed field 'qw': invalid base64" "$FF" run badb64.ffq --input narrow.txt
expect_exit ffq_with_quant_opts 2 'already quantized' "$FF" run three_layer_keras.ffq --input narrow.txt --wbits 4
