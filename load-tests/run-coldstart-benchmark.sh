#!/usr/bin/env bash
# Cold start and footprint of the inference function: the plain JVM build and the build with the JDK's AOT cache next
# to the Knative Functions Node runtime serving the same model. Run through the launcher, which selects the JDK:
#   ./quiver bench coldstart [--rounds 5] [--idle 10] [--warm-up 2000] [--port 18190]
# Builds the plain jar (copied to load-tests/target/bench/coldstart/jvm), then the function with -Paot, whose
# integration test trains the cache with the same JVM options (left in functions/inference/target/quarkus-app, where it
# was trained), installs the Node peer (load-tests/node-peer) from npm into load-tests/target/bench/coldstart/node-peer
# on first use, and runs ColdStartBenchmark, which writes load-tests/target/bench/coldstart/results.md. Each round
# starts, for the digits model and then the OCR model, jvm (the plain jar), aot (the cache, started as
# Dockerfile.aot starts it) and node-peer, with each model in a repository of its own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/load-tests/target/bench/coldstart"
JAVA="${JAVA_HOME:?run this through ./quiver bench coldstart}/bin/java"
JVM_OPTIONS="${QUIVER_INFERENCE_JVM_OPTIONS:?run this through ./quiver bench coldstart}"
APP="$ROOT/functions/inference/target/quarkus-app"
# how Dockerfile.aot starts the AOT build, beyond the function's options: without replaying the training run's
# compilations, which compete with the start for the CPU (load-tests/REPORT.md)
AOT_OPTIONS="-XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining"
mvnw() {
  "$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" "$@"
}

HARNESS=(-cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.ColdStartBenchmark)

mvnw -pl load-tests -am package -DskipTests
# --help answers before the builds
for arg in "$@"; do
  case "$arg" in -h|--help) exec "$JAVA" "${HARNESS[@]}" --help ;; esac
done
source "$ROOT/load-tests/bench-models.sh"
seed_digits "$WORK/models"
fetch_ocr
mkdir -p "$WORK/models-ocr/ocr/1"
cp "$ocr_model" "$WORK/models-ocr/ocr/1/model.onnx"

# The Node peer, installed once (again when its package.json changes); without npm the benchmark runs without it.
source "$ROOT/load-tests/node-peer.sh"
PEER=()
[ -z "$node_peer" ] || PEER=(--node-peer "$node_peer")
"$JAVA" -version 2>&1 | grep -q 'version "2[5-9]\|version "[3-9][0-9]' \
  || { echo "bench: the AOT cache needs a JDK 25 or newer; JAVA_HOME is $JAVA_HOME"; exit 1; }

echo "bench: building the plain jar"
rm -rf "$APP" "$WORK/jvm"
mvnw -pl functions/inference -am package -DskipTests
cp -r "$APP" "$WORK/jvm"
# The AOT-cache build runs where it was trained: the cache holds the application's paths (a copy elsewhere reads the
# files of the training location), so it stays in functions/inference/target/quarkus-app.
echo "bench: building the function with its AOT cache (the training run is an integration test)"
rm -rf "$APP"
mvnw -Paot -pl functions/inference -am verify -DskipTests "-Dquiver.inference.jvm-options=$JVM_OPTIONS"

echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); JDK $("$JAVA" -version 2>&1 | head -1);" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$JAVA" "${HARNESS[@]}" \
  --build "jvm=$WORK/jvm" --build "aot=$APP" --options "aot=$JVM_OPTIONS $AOT_OPTIONS" ${PEER[@]+"${PEER[@]}"} \
  --model "digits=$WORK/models" --model "ocr=$WORK/models-ocr" --jvm-options "$JVM_OPTIONS" \
  --output "$WORK/results.md" "$@"
