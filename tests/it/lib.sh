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

# RTL co-simulation (rtl_sim.sh, rtl_pipe.sh). Verilator builds are cached by
# content hash under $FF_RTL_CACHE (default $BUILD/rtl-cache).
RTL_CACHE=${FF_RTL_CACHE:-$ROOT/${BUILD:-build}/rtl-cache}

# rtl_mlat DIR: the manifest's latency_cycles
rtl_mlat() {
    tab=$(printf '\t')
    sed -n "s/^${tab}\"latency_cycles\":[ $tab]*\([0-9]*\).*/\1/p" "$1/manifest.json"
}

# rtl_cosim PREFIX NAME MODEL GEN-OPTIONS...: gen --backend rtl, then sim on
# 1000 vectors with 30% stalls: bit-exact, and latency/II equal to the
# manifest's (check PREFIX_NAME)
rtl_cosim() {
    pre=$1; name=$2; model=$3; shift 3
    mkdir -p "$RTL_CACHE"
    dir=$FF_TMP/${pre}_$name
    if ! out=$("$FF" gen "$model" --backend rtl --part xcu250 "$@" -o "$dir" 2>&1); then
        fail "${pre}_$name" "gen: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"; return
    fi
    js=$("$FF" sim "$dir" --vectors 1000 --stall 30 --cache "$RTL_CACHE" --json 2>"$FF_TMP/sim.err")
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "${pre}_$name" "sim exit $rc: $(head -c 400 "$FF_TMP/sim.err") $js"; return
    fi
    lat=$(printf '%s' "$js" | sed -n 's/.*"latency_cycles": \([0-9]*\).*/\1/p')
    elat=$(printf '%s' "$js" | sed -n 's/.*"expected_latency_cycles": \([0-9]*\).*/\1/p')
    ii=$(printf '%s' "$js" | sed -n 's/.*"ii": \([0-9]*\).*/\1/p')
    eii=$(printf '%s' "$js" | sed -n 's/.*"expected_ii": \([0-9]*\).*/\1/p')
    mlat=$(rtl_mlat "$dir")
    if printf '%s' "$js" | grep -q '"bit_exact": true' && [ -n "$lat" ] && [ "$lat" = "$elat" ] && [ "$lat" = "$mlat" ] &&
        [ "$ii" = "$eii" ]; then
        pass "${pre}_$name (latency $lat, II $ii)"
    else
        fail "${pre}_$name" "$js (manifest latency $mlat)"
    fi
}
