# Shared by the side-by-side benchmark scripts (sourced, not run): starts the packaged inference function and waits
# for it. Needs ROOT, WORK and JAVA set by the sourcing script.

# start_server PORT [NAME=VALUE ...]: the function on PORT, with admission off and the given environment; the
# process id is left in $server_pid and the log in $WORK/server-PORT.log
start_server() {
  local port="$1"
  shift
  env QUARKUS_HTTP_PORT="$port" QUIVER_ADMISSION_ENABLED=false "$@" \
    "$JAVA" --enable-native-access=ALL-UNNAMED -Dvertx.disableURIValidation=true \
    -jar "$ROOT/functions/inference/target/quarkus-app/quarkus-run.jar" >"$WORK/server-$port.log" 2>&1 &
  server_pid=$!
}

# await_ready PORT: waits up to a minute for the function's readiness, and fails with its log's tail otherwise
await_ready() {
  local port="$1"
  for _ in $(seq 1 120); do
    if curl -fs "http://localhost:$port/v2/health/ready" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  echo "bench: the function on port $port did not get ready"
  tail -20 "$WORK/server-$port.log"
  return 1
}

print_machine() {
  echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), \
$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); JDK $("$JAVA" -version 2>&1 | head -1)"
}
