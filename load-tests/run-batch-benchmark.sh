#!/usr/bin/env bash
# A large CSV of digits rows through storage-triggered batch inference, run whole and split into shards, side by
# side. Run through the launcher, which selects the JDK:
#   ./quiver bench batch [--rows 200000] [--shard-size 2MB] [--rounds 5]
# Builds the inference function and the benchmarks, trains the digits model into load-tests/target/bench/batch-models,
# starts the function from its built jar with the folder store, and writes load-tests/target/bench/batch-results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/load-tests/target/bench"
JAVA="${JAVA_HOME:?run this through ./quiver bench batch}/bin/java"

mkdir -p "$WORK"
"$ROOT/mvnw" -B -q -f "$ROOT/pom.xml" package -DskipTests -pl load-tests,functions/inference,functions/training -am
source "$ROOT/load-tests/bench-models.sh"
repository="$WORK/batch-models"
seed_digits "$repository"
cat > "$repository/digits/config.yaml" <<YAML
instances: $(nproc)
YAML

echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); JDK $("$JAVA" -version 2>&1 | head -1)"
exec "$JAVA" -cp "$ROOT/load-tests/target/quiver-load-tests.jar" dev.quiver.loadtests.BatchBenchmark \
  --build "$ROOT/functions/inference/target/quarkus-app" --models "$repository" \
  --digits "$ROOT/../shared/data/digits.csv.gz" --output "$WORK/batch-results.md" "$@"
