package dev.quiver.inference.fuzz;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The function the fuzz suite attacks: the digits model, a two-input model and identity models, and batch rules over
 * a local bucket holding one small CSV of digits, so that storage notifications run for real.
 */
public class FuzzedFunction implements QuarkusTestResourceLifecycleManager {

    static final String CSV_KEY = "digits/rows.csv";

    private ModelRepositoryFixture repository;
    private Path buckets;

    @Override
    public Map<String, String> start() {
        repository = ModelRepositoryFixture.temporary("quiver-fuzz").withDigits("digits", 1).withIdentityModels()
                .withModel("sum_and_product", 1, OnnxModels.sumAndProduct());
        try {
            buckets = Files.createTempDirectory("quiver-fuzz-buckets");
            Path object = buckets.resolve("incoming").resolve(CSV_KEY);
            Files.createDirectories(object.getParent());
            StringBuilder csv = new StringBuilder("id");
            for (int i = 0; i < 64; i++) {
                csv.append(",px").append(i);
            }
            for (int row = 0; row < 3; row++) {
                csv.append("\nrow-").append(row);
                for (int i = 0; i < 64; i++) {
                    csv.append(',').append((row + i) % 16);
                }
            }
            Files.writeString(object, csv.append('\n'));
            Files.createDirectories(buckets.resolve("results"));
            Path rules = buckets.resolveSibling(buckets.getFileName() + "-rules.yaml");
            Files.writeString(rules, """
                    rules:
                      - bucket: incoming
                        prefix: digits/
                        model: digits
                        format: csv
                        header: true
                        id-column: id
                        output-bucket: results
                        output-prefix: predictions
                    """);
            return Map.of("quiver.model-repository", repository.root().toString(),
                    "quiver.storage.root", buckets.toString(),
                    "quiver.batch.rules-file", rules.toString(),
                    "quiver.inference.max-request-size", "2M");
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
