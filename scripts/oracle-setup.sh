#!/bin/sh
# Installs ONNX Runtime for Node (the float oracle of the tests) into
# tests/oracle/node_modules, at the version pinned in tests/oracle/package.json.
# Idempotent and silent when it is already there; one line on stderr and exit 1
# when it cannot be installed. npm's --ignore-scripts: the package ships its
# CPU libonnxruntime.so; its install script only tries a download (offline:
# fails) for GPU variants.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$ROOT/tests/oracle
PKG=onnxruntime-node

want=$(sed -n 's/.*"'$PKG'": *"\([^"]*\)".*/\1/p' "$DIR/package.json")
if [ -z "$want" ]; then
    echo "oracle-setup: no pinned $PKG version in $DIR/package.json" >&2; exit 1
fi
for tool in node npm; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "oracle-setup: '$tool' not found; install Node.js 18+ and npm (Debian: apt-get install nodejs npm)" >&2; exit 1
    fi
done

# present = right version installed and the native binding loads
installed_ok() {
    have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$DIR/node_modules/$PKG/package.json" 2>/dev/null | head -n 1)
    [ "$have" = "$want" ] &&
        (cd "$DIR" && node -e "require('./node_modules/$PKG')" >/dev/null 2>&1)
}
installed_ok && exit 0

log=$(mktemp "${TMPDIR:-/tmp}/oracle-setup.XXXXXX")
if ! (cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --no-save \
        --loglevel=error "$PKG@$want") >"$log" 2>&1; then
    why=$(sed -n 's/^npm \(error\|ERR!\) *//p' "$log" | grep -v '^ *$' | grep -v -i 'complete log' | head -n 4 | paste -sd ';' - | sed 's/;/; /g' | cut -c1-300)
    echo "oracle-setup: 'npm install $PKG@$want' failed in $DIR: ${why:-see npm output}" >&2
    rm -f "$log"; exit 1
fi
rm -f "$log"
if ! installed_ok; then
    echo "oracle-setup: $PKG@$want installed in $DIR/node_modules but does not load in node ($(cd "$DIR" && node -e "require('./node_modules/$PKG')" 2>&1 | grep -m1 -i error | cut -c1-200))" >&2
    exit 1
fi
echo "oracle-setup: installed $PKG@$want (ONNX Runtime, the float oracle) in tests/oracle/node_modules"
