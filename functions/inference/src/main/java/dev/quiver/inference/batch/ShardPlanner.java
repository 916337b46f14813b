package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.storage.ObjectStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an object into shards of at most a rule's {@code shard-size} (a shard ends on the first row boundary past it),
 * each starting on a row boundary: a line break that is not inside a quoted CSV value. The object is read once as a
 * stream, counting lines, so that each shard knows the line its rows start on and rows keep the ids and line numbers
 * they have when the object is run whole. A CSV header is checked here, as the whole run would, and carried to every
 * shard.
 */
final class ShardPlanner {

    private static final int BUFFER = 1 << 16;

    private final ObjectMapper mapper;

    ShardPlanner(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ShardPlan plan(ObjectStore store, String key, BatchRule rule, ShardSize size, Instant now) {
        boolean csv = rule.format() == InputFormat.CSV;
        boolean inHeader = csv && rule.header();
        boolean quoted = false;
        long offset = 0;
        long lines = 0;
        long header = 0;
        long shardStart = 0;
        long shardLine = 1;
        long shardRows = 0;
        List<ShardPlan.Shard> shards = new ArrayList<>();
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = store.open(key)) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                for (int i = 0; i < read; i++) {
                    byte b = buffer[i];
                    if (csv && b == '"') {
                        quoted = !quoted;
                    } else if (b == '\n' && !quoted) {
                        lines++;
                        long end = offset + i + 1;
                        if (inHeader) {
                            header = end;
                            inHeader = false;
                            continue;
                        }
                        shardRows++;
                        if (size.bytes() > 0 ? end - shardStart >= size.bytes() : shardRows >= size.rows()) {
                            shards.add(new ShardPlan.Shard(shardStart, end, shardLine));
                            shardStart = end;
                            shardLine = lines + 1;
                            shardRows = 0;
                        }
                    } else if (b == '\n') {
                        lines++;
                    }
                }
                offset += read;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("planning the shards of " + key + ": " + e.getMessage(), e);
        }
        if (offset > shardStart || shards.isEmpty()) {
            shards.add(new ShardPlan.Shard(shardStart, offset, shardLine));
        }
        if (header > 0) {
            requireReadableHeader(store, key, header, rule);
        }
        return new ShardPlan(offset, header, now, List.copyOf(shards));
    }

    /** A header that names no id column is refused before any shard runs, as the whole run would refuse it. */
    private void requireReadableHeader(ObjectStore store, String key, long header, BatchRule rule) {
        try (InputStream in = store.open(key, 0, header);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            new InputRows(reader, mapper, rule);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the CSV header of " + key + ": " + e.getMessage(), e);
        }
    }
}
