# The main CLI paths under valgrind: no leaks, no invalid accesses.
. "$ROOT/tests/it/lib.sh"
cd "$FF_TMP" || exit 1
if ! command -v valgrind >/dev/null; then fail valgrind_present "valgrind is not installed (scripts/deps.sh)"; exit 0; fi
VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9"
M=$MODELS/conv2d_small_keras.onnx
/usr/bin/python3 "$ROOT/tests/oracle/gen_inputs.py" 20 3 "$M" > in.txt
check valgrind_inspect $VG "$FF" inspect "$M"
check valgrind_run_float $VG "$FF" run "$M" --input in.txt -o f.txt
check valgrind_quantize $VG "$FF" quantize "$M" --calib in.txt -o m.ffq
check valgrind_run_ffq_raw $VG "$FF" run m.ffq --input in.txt --raw -o q.txt
# error paths release what they took too
printf 'x\n' > bad.txt
$VG "$FF" run m.ffq --input bad.txt >/dev/null 2>err.txt
if [ $? -eq 2 ]; then pass valgrind_error_path; else fail valgrind_error_path "$(cat err.txt | head -5)"; fi
