# Short libFuzzer runs of every parser of outside input (60 s in all).
. "$ROOT/tests/it/lib.sh"
BUILD=$BUILD sh "$ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}"
