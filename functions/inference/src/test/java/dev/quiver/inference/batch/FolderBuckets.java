package dev.quiver.inference.batch;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Buckets in a local folder (the embedded default) with the digits model, and two rules for CSV without an id column
 * (rows are named by their lines): under {@code whole/} run whole, under {@code sharded/} split into shards of 10 rows;
 * and under {@code ranged/}, a model {@code y = x + 1} whose answers must stay at most 100.
 */
public class FolderBuckets implements QuarkusTestResourceLifecycleManager {

    static volatile Path buckets;

    private ModelRepositoryFixture repository;

    @Override
    public Map<String, String> start() {
        try {
            repository = ModelRepositoryFixture.temporary("quiver-folder-batch").withDigits("digits", 1)
                    .withFile("ranged", "1/validation/validation.json", "{\"outputs\": {\"y\": {\"max\": 100}}}")
                    .withModel("ranged", 1, OnnxModels.addConstant(1))
                    .withConfig("ranged", "config.yaml", "output_checks: {failures: 1000, window: 1000}\n");
            buckets = Files.createDirectories(repository.root().resolveSibling(repository.root().getFileName()
                    + "-buckets"));
            Files.createDirectories(buckets.resolve("incoming"));
            Path rules = repository.root().resolveSibling(repository.root().getFileName() + "-rules.yaml");
            Files.writeString(rules, """
                    rules:
                      - bucket: incoming
                        prefix: whole/
                        model: digits
                        format: csv
                        output-bucket: results
                      - bucket: incoming
                        prefix: sharded/
                        model: digits
                        format: csv
                        output-bucket: results
                        shard-size: 10 rows
                      - bucket: incoming
                        prefix: ranged/
                        model: ranged
                        format: csv
                        output-bucket: results
                    """);
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.storage.root", buckets.toString(),
                    "quiver.batch.rules-file", rules.toString(),
                    "quiver.batch.chunk-rows", "4");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        ModelRepositoryFixture.delete(repository.root());
        ModelRepositoryFixture.delete(buckets);
    }
}
