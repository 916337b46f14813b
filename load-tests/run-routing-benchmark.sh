#!/usr/bin/env bash
# What routing and monitoring cost. Run through the launcher, which selects the JDK:
#   ./quiver bench routing [--rounds 5] [--duration 6] [--warm-up 2] [--server-warm-up 10] [--concurrency 16]
# Starts the inference function twice on two models made of the digits model of ./quiver bench and its training
# baseline: digits (one version, no routing) and digits_routed (versions 1 and 2, weights 50/50, sticky by the X-User
# header); on port ${QUIVER_BENCH_PORT:-18080} with monitoring, drift and golden sets on (the defaults), on the next
# port with them off; writes load-tests/target/bench/routing.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/load-tests/target/bench"
PORT="${QUIVER_BENCH_PORT:-18080}"
JAVA="${JAVA_HOME:?run this through ./quiver bench routing}/bin/java"

mkdir -p "$WORK"
"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests -am
for arg in "$@"; do
  case "$arg" in -h|--help) exec "$JAVA" -cp "$ROOT/load-tests/target/quiver-load-tests.jar" \
    dev.quiver.loadtests.RoutingBenchmark --help ;; esac
done

source "$ROOT/load-tests/bench-models.sh"

repository="$WORK/routing-models"
seed_digits "$repository"
for version in 1 2; do
  mkdir -p "$repository/digits_routed/$version"
  cp "$repository/digits/1/model.onnx" "$repository/digits/1/baseline.json" "$repository/digits_routed/$version/"
done
cat > "$repository/digits_routed/config.yaml" <<YAML
version_policy: {specific: [1, 2]}
routing:
  aliases: {stable: 1, canary: 2}
  weights: {stable: 50, canary: 50}
  sticky_key: "header:X-User"
YAML

source "$ROOT/load-tests/bench-server.sh"
UNWATCHED_PORT=$((PORT + 1))
echo "bench: the inference function on port $PORT (monitoring on) and $UNWATCHED_PORT (off)"
start_server "$PORT" QUIVER_MODEL_REPOSITORY="$repository"
server=$server_pid
start_server "$UNWATCHED_PORT" QUIVER_MODEL_REPOSITORY="$repository" QUIVER_INFERENCE_MONITORING_ENABLED=false \
  QUIVER_INFERENCE_DRIFT_ENABLED=false QUIVER_INFERENCE_GOLDEN_SET_ENABLED=false
unwatched=$server_pid
trap 'kill "$server" "$unwatched" 2>/dev/null; wait "$server" "$unwatched" 2>/dev/null || true' EXIT
await_ready "$PORT"
await_ready "$UNWATCHED_PORT"

print_machine
"$JAVA" -cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.RoutingBenchmark \
  --url "http://localhost:$PORT" --server-pid "$server" --unwatched-url "http://localhost:$UNWATCHED_PORT" \
  --unwatched-server-pid "$unwatched" --report "$WORK/routing.md" "$@"
