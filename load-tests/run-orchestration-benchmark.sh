#!/usr/bin/env bash
# The orchestration function's decision throughput and latency on PostgreSQL. Run through the launcher:
#   ./quiver bench orchestration [--rounds 5] [--width 32] [--completions 512] [--warm-up 10000] [--threads 8]
#     [--jdbc URL] [--user NAME]
# Needs a PostgreSQL server (127.0.0.1:5432, database test, user postgres by default); it works in a schema of its
# own and drops it. Writes load-tests/target/bench/orchestration-results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:?run this through ./quiver bench orchestration}/bin/java"

"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests -am
echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); JDK $("$JAVA" -version 2>&1 | head -1)"
echo "bench: $(psql --version 2>/dev/null || echo 'psql not found') (client); server at the JDBC URL"
exec "$JAVA" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.OrchestrationBenchmark \
  --output "$ROOT/load-tests/target/bench/orchestration-results.md" --charts "$ROOT/load-tests/target/bench/charts" "$@"
