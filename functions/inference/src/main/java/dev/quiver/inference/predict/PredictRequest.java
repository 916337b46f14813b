package dev.quiver.inference.predict;


/**
 * The body of {@code POST /predict}.
 *
 * @param model     model name
 * @param version   model version; absent for the latest ready one
 * @param instances one entry per item (a number or nested list for a one-input model, an object of values per input
 *                  name otherwise), kept as the JSON text they arrived as and decoded straight into tensors
 */
public record PredictRequest(String model, String version, InstancesJson instances) {
}
