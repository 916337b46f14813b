#!/usr/bin/env bash
# Cold start and footprint of the inference function: the plain JVM build next to the build with the JDK's AOT
# cache. Run through the launcher, which selects the JDK and trains the demo model into the repository:
#   ./quiver bench coldstart [--rounds 5] [--idle 5] [--warm-up 200] [--port 18190]
# Builds the function twice (-Paot, whose integration test trains the cache with the same JVM options, then the plain
# jar, which is left in target/ as before), copies both builds under load-tests/target/bench/coldstart/ and runs
# ColdStartBenchmark, which writes load-tests/target/bench/coldstart/results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/load-tests/target/bench/coldstart"
JAVA="${JAVA_HOME:?run this through ./quiver bench coldstart}/bin/java"
JVM_OPTIONS="${QUIVER_INFERENCE_JVM_OPTIONS:?run this through ./quiver bench coldstart}"
APP="$ROOT/functions/inference/target/quarkus-app"
mvnw() {
  "$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" "$@"
}

[ -f "$WORK/models/digits/1/model.onnx" ] || { echo "bench: no demo model in $WORK/models"; exit 1; }
"$JAVA" -version 2>&1 | grep -q 'version "2[5-9]\|version "[3-9][0-9]' \
  || { echo "bench: the AOT cache needs a JDK 25 or newer; JAVA_HOME is $JAVA_HOME"; exit 1; }

echo "bench: building the function with its AOT cache (the training run is an integration test)"
rm -rf "$APP" "$WORK/aot" "$WORK/jvm"
mvnw -Paot -pl functions/inference -am verify -DskipTests "-Dquiver.inference.jvm-options=$JVM_OPTIONS"
# -a: the JVM refuses a cache whose jars have other modification times than at training
cp -a "$APP" "$WORK/aot"
echo "bench: building the plain jar"
rm -rf "$APP"
mvnw -pl functions/inference -am package -DskipTests
cp -a "$APP" "$WORK/jvm"
# the harness needs the JDK alone, so it is compiled by itself rather than with the other benchmarks' module
"$JAVA_HOME/bin/javac" -d "$WORK/classes" "$ROOT/load-tests/src/main/java/dev/quiver/loadtests/ColdStartBenchmark.java"

echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); JDK $("$JAVA" -version 2>&1 | head -1);" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$JAVA" -cp "$WORK/classes" dev.quiver.loadtests.ColdStartBenchmark \
  --build "jvm=$WORK/jvm" --build "aot=$WORK/aot" --models "$WORK/models" --jvm-options "$JVM_OPTIONS" \
  --output "$WORK/results.md" "$@"
