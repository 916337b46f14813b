package dev.quiver.inference.batch;

/**
 * What a shard came to, recorded (with a conditional write, so once) when its part is written: the model version
 * that answered its rows (empty when none was answered) and its counts.
 */
public record ShardDone(int shard, String modelVersion, long rows, long succeeded, long failed, double seconds) {
}
