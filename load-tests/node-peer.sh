# Sourced by the benchmark scripts, with ROOT and WORK set: the Knative Functions Node runtime peer
# (load-tests/node-peer: faas-js-runtime with onnxruntime-node), installed from npm into $WORK/node-peer on first use
# (again when its package.json changes). Sets node_peer to that folder, or to nothing, with a message, when npm or
# node is missing or the install failed: the benchmark then runs without the peer.
node_peer="$WORK/node-peer"
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "bench: npm or node is missing, so the Knative Functions Node runtime peer is skipped (install Node.js 20+)"
  node_peer=""
else
  mkdir -p "$node_peer"
  cp "$ROOT/load-tests/node-peer/index.js" "$node_peer/"
  if ! cmp -s "$ROOT/load-tests/node-peer/package.json" "$node_peer/package.json" \
      || [ ! -f "$node_peer/node_modules/faas-js-runtime/bin/cli.js" ]; then
    echo "bench: installing the Knative Functions Node runtime peer from npm into $node_peer"
    cp "$ROOT/load-tests/node-peer/package.json" "$node_peer/"
    # --ignore-scripts: onnxruntime-node's install script only fetches GPU providers from outside npm; its CPU
    # binaries ship in the package
    (cd "$node_peer" && npm install --silent --no-audit --no-fund --no-package-lock --ignore-scripts) \
      || { echo "bench: installing the Node peer failed; running without it"; node_peer=""; }
  fi
fi
