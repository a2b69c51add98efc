# Shared helpers for integration tests (sourced). Each check prints
# "PASS name" or "FAIL name: why"; tests/run.sh counts those lines.
: "${FF:?FF (path of the fogforge binary) must be set by tests/run.sh}"
: "${FF_TMP:?}"
MODELS=$ROOT/tests/models

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# check NAME CMD...: passes when CMD exits 0
check() {
    name=$1; shift
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; fi
}

# expect_exit NAME CODE PATTERN CMD...: CMD must exit CODE and print one line
# on stderr matching PATTERN (grep -E)
expect_exit() {
    name=$1; code=$2; pat=$3; shift 3
    "$@" >"$FF_TMP/ee.out" 2>"$FF_TMP/ee.err"
    rc=$?
    if [ "$rc" -ne "$code" ]; then
        fail "$name" "exit $rc, wanted $code; stderr: $(head -c 300 "$FF_TMP/ee.err")"
    elif ! grep -Eq "$pat" "$FF_TMP/ee.err"; then
        fail "$name" "stderr does not match /$pat/: $(head -c 300 "$FF_TMP/ee.err")"
    elif [ "$(wc -l < "$FF_TMP/ee.err")" -ne 1 ]; then
        fail "$name" "wanted one line on stderr, got: $(head -c 300 "$FF_TMP/ee.err")"
    else
        pass "$name"
    fi
}
