#!/bin/sh
# Installs the Debian packages fogforge needs, only those that are missing.
# Idempotent; when not root it prints the command it would run instead.
# Usage: scripts/deps.sh [--check]   (--check: list what is missing, install nothing)
set -eu

PKGS="build-essential pkg-config git ca-certificates
protobuf-c-compiler libprotobuf-c-dev libcjson-dev libxml2-dev libcmocka-dev
python3-onnx python3-numpy
clang-14 libfuzzer-14-dev libclang-rt-14-dev
verilator yosys
mosquitto mosquitto-clients libpaho-mqtt-dev libzmq3-dev
ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
libxrt-dev libxgboost-dev libssl-dev gnuplot-nox iproute2 valgrind
nodejs"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "deps.sh: missing:$missing"
    exit 1
fi
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: not root; run as root:"
    echo "  apt-get update && $cmd"
    exit 1
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
