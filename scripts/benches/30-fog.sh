# Fog: MQTT and ZeroMQ floors vs fogforge's round trips, throughput, failover.
set -eu
make -s -C "$ROOT" "$BUILD/fogbench" >/dev/null
BUILD=$BUILD sh "$ROOT/scripts/bench_fog.sh"
