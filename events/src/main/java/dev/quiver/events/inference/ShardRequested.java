package dev.quiver.events.inference;

/**
 * Payload of {@code dev.quiver.inference.shard.requested}: one shard of an object larger than its batch rule's
 * {@code shard-size}, to run through the rule's model. Shards are byte ranges that start and end on row boundaries;
 * together they cover the object, and their results are merged in shard order into one
 * {@code dev.quiver.inference.batch.completed}.
 *
 * @param input        the input object's location, for people reading the event
 * @param bucket       its bucket (or container)
 * @param key          its key
 * @param inputVersion its version (S3 ETag, GCS generation): the shard is of that version only
 * @param provider     whose notification named it ({@code S3}, {@code CLOUD_STORAGE}, {@code AZURE_BLOB}), which says where its
 *                     bucket is
 * @param shard        the shard's place, from 0
 * @param shards       how many shards the object has
 * @param from         the shard's first byte
 * @param to           the byte after its last
 * @param firstLine    the line (from 1) its first byte is on, so rows keep the line numbers of the whole object
 * @param header       the length of the CSV header carried to every shard (the object's first bytes), 0 for none
 */
public record ShardRequested(String input, String bucket, String key, String inputVersion, String provider, int shard,
                             int shards, long from, long to, long firstLine, long header) {
}
