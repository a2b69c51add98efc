#!/bin/sh
# Runs every test binary and script and prints one summary line:
#   N passed, N failed
# Unit tests are cmocka binaries (built with ASan+UBSan) under $BUILD/tests;
# integration tests are tests/it/*.sh, which report "PASS name" / "FAIL name"
# lines through tests/it/lib.sh. Everything a test writes goes under $FF_TMP.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT BUILD
export FF=${FF:-$ROOT/$BUILD/fogforge}
BASE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fogforge-test.XXXXXX")
export FF_TMP=$BASE_TMP
export POCL_CACHE_DIR="$BASE_TMP/pocl-cache"
export FOGFORGE_CACHE="$BASE_TMP/fogforge-cache" # estimate's calibration cache: the run's own, not the user's
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=STDOUT

passed=0
failed=0
failed_names=""
only=${TESTS:-}

run_one() {
    name=$1; shift
    log="$BASE_TMP/log.$name"
    start=$(date +%s)
    # every test gets its own scratch directory
    mkdir -p "$BASE_TMP/$name"
    FF_TMP="$BASE_TMP/$name" "$@" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    # cmocka summary lines
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\./\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
    # script summary lines
    sp=$(grep -c '^PASS ' "$log")
    sf=$(grep -c '^FAIL ' "$log")
    p=$(( ${p:-0} + sp ))
    f=$(( ${f:-0} + sf ))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "  (no test ran)" >>"$log"; fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failed_names="$failed_names $name"
        printf '%-28s %4d passed %3d failed  %4ss  FAILED\n' "$name" "$p" "$f" "$secs"
        grep -E '^(FAIL |\[  FAILED  \]|\[  ERROR   \])|ERROR|Sanitizer|runtime error' "$log" | head -n 20 | sed 's/^/    /'
    else
        printf '%-28s %4d passed %3d failed  %4ss\n' "$name" "$p" "$f" "$secs"
    fi
}

for t in "$ROOT/$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    case " $only " in "  ") ;; *" $n "*) ;; *) continue ;; esac
    run_one "$n" sh -c "cd \"\$FF_TMP\" && '$t'"
done
for t in "$ROOT"/tests/it/*.sh; do
    [ -f "$t" ] || continue
    n=$(basename "$t" .sh)
    [ "$n" = lib ] && continue
    case " $only " in "  ") ;; *" $n "*) ;; *) continue ;; esac
    run_one "$n" sh "$t"
done
# tests/slow/*.sh (minutes each) only with FF_SLOW=1: make test-slow
if [ "${FF_SLOW:-0}" = 1 ]; then
    for t in "$ROOT"/tests/slow/*.sh; do
        [ -f "$t" ] || continue
        n=$(basename "$t" .sh)
        case " $only " in "  ") ;; *" $n "*) ;; *) continue ;; esac
        run_one "$n" sh "$t"
    done
fi

if [ -n "$failed_names" ]; then
    echo "failed:$failed_names (logs in $BASE_TMP)"
else
    rm -rf "$BASE_TMP"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
