package dev.quiver.events.inference;

/**
 * Payload of {@code dev.quiver.inference.batch.completed}: a file of rows that landed in object storage has been run
 * through a model. Locations are {@code s3://bucket/key} or, for the local store, {@code file:bucket/key}.
 *
 * @param input        the input object
 * @param inputVersion its version (S3 ETag, GCS generation): a new version is processed anew
 * @param model        the model
 * @param modelVersion the version that answered
 * @param output       the results object: one JSON line per row that succeeded
 * @param errors       the errors object: one JSON line per row that failed, with the reason
 * @param rows         rows read
 * @param succeeded    rows answered
 * @param failed       rows that failed
 */
public record BatchCompleted(String input, String inputVersion, String model, String modelVersion, String output,
                             String errors, long rows, long succeeded, long failed) {
}
