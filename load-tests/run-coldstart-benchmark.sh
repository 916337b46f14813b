#!/usr/bin/env bash
# Cold start and footprint of the inference function: the plain JVM build next to the build with the JDK's AOT
# cache. Run through the launcher, which selects the JDK and trains the demo model into the repository:
#   ./quiver bench coldstart [--rounds 5] [--idle 10] [--warm-up 2000] [--port 18190]
# Builds the plain jar (copied to load-tests/target/bench/coldstart/jvm), then the function with -Paot, whose
# integration test trains the cache with the same JVM options (left in functions/inference/target/quarkus-app, where it
# was trained), and runs ColdStartBenchmark, which writes load-tests/target/bench/coldstart/results.md. Three starts a
# round: jvm (the plain jar), aot (the cache, started as Dockerfile.aot starts it) and aot-replay (the same with the
# JDK's replay of the training run's compilations left on), which shows what turning the replay off is worth.
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
[ -f "$WORK/models/digits/1/model.onnx" ] || { echo "bench: no demo model in $WORK/models"; exit 1; }
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
  --build "jvm=$WORK/jvm" --build "aot=$APP" --options "aot=$JVM_OPTIONS $AOT_OPTIONS" --build "aot-replay=$APP" \
  --models "$WORK/models" --jvm-options "$JVM_OPTIONS" \
  --output "$WORK/results.md" "$@"
