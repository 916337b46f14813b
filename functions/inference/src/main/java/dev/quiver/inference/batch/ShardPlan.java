package dev.quiver.inference.batch;

import java.time.Instant;
import java.util.List;

/**
 * How an object version is split: byte ranges that start and end on row boundaries and together cover it, in input
 * order. Stored as {@code _shards/<key>.<version>/plan.json} beside the parts.
 *
 * @param size    the object's size in bytes
 * @param header  the length of the CSV header carried to every shard, 0 for none
 * @param planned when the plan was made, from which progress measures rows per second
 * @param shards  the shards in input order
 */
public record ShardPlan(long size, long header, Instant planned, List<Shard> shards) {

    /**
     * @param from      the shard's first byte
     * @param to        the byte after its last
     * @param firstLine the line (from 1) that its first byte is on
     */
    public record Shard(long from, long to, long firstLine) {
    }
}
