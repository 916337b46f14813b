#!/usr/bin/env bash
# Kueue's scheduler baseline against the shared pool, with its state in PostgreSQL. Run through the launcher:
#   ./quiver bench pool [--rounds 1] [--cohorts 5] [--queues 6] [--nominal 20] [--borrowing-limit 100]
#                       [--class name:count:units:runMs:priority:intervalMs,...] [--pending 10000] [--jdbc URL]
# Needs a PostgreSQL server (127.0.0.1:5432, database test, user postgres by default); it works in a schema of its
# own and drops it. Writes load-tests/target/bench/pool-results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:?run this through ./quiver bench pool}/bin/java"

"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests -am
echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); JDK $("$JAVA" -version 2>&1 | head -1)"
exec "$JAVA" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.PoolBenchmark \
  --output "$ROOT/load-tests/target/bench/pool-results.md" "$@"
