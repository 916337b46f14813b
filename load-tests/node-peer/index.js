// The peer of the inference function in ./quiver bench coldstart: a Knative Functions Node runtime function
// (faas-js-runtime, as `func create -l node` scaffolds it) that serves one ONNX model over the Open Inference Protocol
// v2 JSON request with onnxruntime-node, at / (the runtime routes a function at its root, as a Knative Function has
// a URL of its own). It does what the inference function does before its first answer: load the
// model with the same session settings (all graph optimizations, ONNX Runtime's default threads, no spinning), run
// one warm-up inference, and only then answer. The model file is QUIVER_PEER_MODEL; the model's name QUIVER_PEER_NAME.
const ort = require('onnxruntime-node');

const modelName = process.env.QUIVER_PEER_NAME;
const TYPES = { FP32: 'float32', FP64: 'float64', INT64: 'int64', INT32: 'int32' };
const V2_TYPES = { float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32' };
let session;

function tensor(input) {
  const type = TYPES[input.datatype];
  if (!type) {
    throw new Error(`inputs: datatype ${input.datatype} is not one of ${Object.keys(TYPES)}`);
  }
  const data = type === 'int64' ? BigInt64Array.from(input.data, BigInt) : input.data;
  return new ort.Tensor(type, data, input.shape);
}

async function load() {
  const loaded = await ort.InferenceSession.create(process.env.QUIVER_PEER_MODEL, {
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } }
  });
  // the warm-up inference: zeros of the model's input shape, one item where the batch dimension is free
  const warmUp = {};
  for (const name of loaded.inputNames) {
    const metadata = loaded.inputMetadata.find(input => input.name === name);
    const shape = metadata.shape.map(dimension => (typeof dimension === 'number' && dimension > 0 ? dimension : 1));
    warmUp[name] = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  }
  await loaded.run(warmUp);
  return loaded;
}

const ready = load().then(loaded => { session = loaded; });

async function handle(context, body) {
  if (context.method !== 'POST' || !body || !Array.isArray(body.inputs)) {
    return { statusCode: 400, body: { error: 'expected a POST of a v2 request: {"inputs": [...]}' } };
  }
  await ready;
  const feeds = {};
  let results;
  try {
    for (const input of body.inputs) {
      feeds[input.name] = tensor(input);
    }
    results = await session.run(feeds);
  } catch (error) {
    return { statusCode: 400, body: { error: error.message } };
  }
  return {
    model_name: modelName,
    outputs: Object.entries(results).map(([name, output]) => ({
      name,
      shape: output.dims,
      datatype: V2_TYPES[output.type],
      data: Array.from(output.data, Number)
    }))
  };
}

// ready for Knative only once the model is loaded and warmed, as the inference function is
function readiness(request, reply) {
  return session ? reply.send('OK') : reply.code(503).send('the model is loading');
}

module.exports = { handle, readiness };
