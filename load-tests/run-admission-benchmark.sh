#!/usr/bin/env bash
# Side-by-side benchmarks of the admission layer. Run through the launcher, which selects the JDK:
#   ./quiver bench admission [--rounds 5] [--duration 5] [--redis redis://127.0.0.1:6379]
# Needs a Redis (the one at 127.0.0.1:6379 by default); writes load-tests/target/bench/admission-results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:?run this through ./quiver bench admission}/bin/java"

"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests -am
echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); JDK $("$JAVA" -version 2>&1 | head -1)"
echo "bench: Redis $(redis-cli -v 2>/dev/null || echo '(redis-cli not found)')"
exec "$JAVA" -cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.AdmissionBenchmark \
  --output "$ROOT/load-tests/target/bench/admission-results.md" "$@"
