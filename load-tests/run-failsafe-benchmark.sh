#!/usr/bin/env bash
# What serving that fails safe costs. Run through the launcher, which selects the JDK:
#   ./quiver bench failsafe [--rounds 5] [--duration 6] [--warm-up 2] [--server-warm-up 10] [--concurrency 16]
# Starts the inference function twice on the digits and OCR models of ./quiver bench: on port
# ${QUIVER_BENCH_PORT:-18080} with output checks and deadlines on (the defaults), and on the next port with
# quiver.inference.output-checks.enabled=false and quiver.inference.timeout=0; writes
# load-tests/target/bench/failsafe.md. QUIVER_BENCH_SAME=1 starts the second instance with them on as well: what two
# identical instances differ by on this machine (an A/A run), against which the on/off figures are read.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/load-tests/target/bench"
PORT="${QUIVER_BENCH_PORT:-18080}"
JAVA="${JAVA_HOME:?run this through ./quiver bench failsafe}/bin/java"

mkdir -p "$WORK"
"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests -am
for arg in "$@"; do
  case "$arg" in -h|--help) exec "$JAVA" -cp "$ROOT/load-tests/target/quiver-load-tests.jar" \
    dev.quiver.loadtests.FailsafeBenchmark --help ;; esac
done

source "$ROOT/load-tests/bench-models.sh"

repository="$WORK/models"
seed_ocr "$repository" 16
seed_digits "$repository"

UNCHECKED_PORT=$((PORT + 1))
echo "bench: the inference function on port $PORT (checks and deadlines on) and $UNCHECKED_PORT (off)"
source "$ROOT/load-tests/bench-server.sh"
start_server "$PORT" QUIVER_MODEL_REPOSITORY="$repository"
checked=$server_pid
if [ "${QUIVER_BENCH_SAME:-0}" = 1 ]; then
  start_server "$UNCHECKED_PORT" QUIVER_MODEL_REPOSITORY="$repository"
else
  start_server "$UNCHECKED_PORT" QUIVER_MODEL_REPOSITORY="$repository" QUIVER_INFERENCE_OUTPUT_CHECKS_ENABLED=false \
    QUIVER_INFERENCE_TIMEOUT=0
fi
unchecked=$server_pid
trap 'kill "$checked" "$unchecked" 2>/dev/null; wait "$checked" "$unchecked" 2>/dev/null || true' EXIT
await_ready "$PORT"
await_ready "$UNCHECKED_PORT"

print_machine
"$JAVA" -cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.FailsafeBenchmark \
  --url "http://localhost:$PORT" --unchecked-url "http://localhost:$UNCHECKED_PORT" \
  --server-pid "$checked" --unchecked-server-pid "$unchecked" \
  --report "$WORK/failsafe.md" "$@"
