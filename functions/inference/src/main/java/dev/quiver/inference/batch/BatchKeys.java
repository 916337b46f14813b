package dev.quiver.inference.batch;

/**
 * Where the objects of one input version's batch live in its rule's output bucket, all under
 * {@code <output-prefix>/<model>/}: the results and errors, the completion record, the claims, and, for an object run
 * in shards, the shard plan, each shard's part and done record.
 *
 * @param base    {@code <output-prefix>/<model>}
 * @param key     the input object's key
 * @param version the input object's version
 */
public record BatchKeys(String base, String key, String version) {

    static BatchKeys of(BatchRule rule, String key, String version) {
        return new BatchKeys(rule.outputPrefix() + "/" + rule.model(), key, version);
    }

    /** The results object; the errors object is beside it, ending {@code .errors.jsonl}. */
    String results(String modelVersion) {
        return base + "/" + modelVersion + "/" + key + "." + version + ".jsonl";
    }

    String errors(String modelVersion) {
        return base + "/" + modelVersion + "/" + key + "." + version + ".errors.jsonl";
    }

    String done() {
        return base + "/_done/" + key + "." + version + ".json";
    }

    String claim() {
        return base + "/_claims/" + key + "." + version + ".json";
    }

    String shardClaim(int shard) {
        return base + "/_claims/" + key + "." + version + ".shard-" + shard + ".json";
    }

    String mergeClaim() {
        return base + "/_claims/" + key + "." + version + ".merge.json";
    }

    /** Everything a sharded run keeps until its merge: the plan, the parts, the shards' done records. */
    String shards() {
        return base + "/_shards/" + key + "." + version + "/";
    }

    String plan() {
        return shards() + "plan.json";
    }

    String partResults(int shard) {
        return shards() + shard + ".jsonl";
    }

    String partErrors(int shard) {
        return shards() + shard + ".errors.jsonl";
    }

    String shardDone(int shard) {
        return shards() + shard + ".done.json";
    }
}
