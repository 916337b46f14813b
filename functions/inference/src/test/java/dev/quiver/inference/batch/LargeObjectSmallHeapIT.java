package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.config.HttpClientConfig;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A CSV object of about 160 MB through the packaged function started with a 64 MB heap (the failsafe configuration
 * sets {@code quarkus.test.arg-line}): the rows stream through the model and the results stream out, so the object's
 * size is bounded by disk, not by memory. Every row's answer is checked.
 */
@QuarkusIntegrationTest
@WithTestResource(LargeObjectSmallHeapIT.LargeObject.class)
class LargeObjectSmallHeapIT {

    static final int COLUMNS = 1000;
    static final int ROWS = 80_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anObjectLargerThanTheHeapIsProcessedRowByRow() throws IOException {
        assertThat(heapBytes()).as("the function's heap").isLessThanOrEqualTo(64L << 20);
        assertThat(Files.size(LargeObject.object)).as("the object is larger than the heap").isGreaterThan(150L << 20);
        // the notification is answered when the whole file is done: about 45 s on 2 cores, more on a busy machine;
        // this test is about the heap, so it waits longer than the usual 30 s
        Response response = given().config(RestAssured.config().httpClient(HttpClientConfig.httpClientConfig()
                        .setParam("http.socket.timeout", (int) Duration.ofMinutes(5).toMillis())))
                .contentType("application/json").body(notification()).post("/storage-notifications");
        response.then().statusCode(200);
        JsonNode completed = JSON.readTree(response.asByteArray()).get("completed").get(0);
        assertThat(completed.get("rows").asLong()).isEqualTo(ROWS);
        assertThat(completed.get("succeeded").asLong()).as(firstError(completed)).isEqualTo(ROWS);
        assertThat(completed.get("failed").asLong()).isZero();

        Path results = Path.of(completed.get("output").asText());
        assertThat(results).startsWith(LargeObject.buckets.resolve("results"));
        long line = 0;
        try (BufferedReader reader = Files.newBufferedReader(results)) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                line++;
                JsonNode answer = JSON.readTree(text);
                assertThat(answer.get("id").asText()).isEqualTo(Long.toString(line));
                assertThat(answer.get("outputs").get(0).floatValue()).as("row %d", line)
                        .isEqualTo(expectedSum(line));
            }
        }
        assertThat(line).isEqualTo(ROWS);
    }

    /** The function's largest possible heap: the sum of the heap pools' maxima that are set, from its metrics. */
    private static long heapBytes() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher pools = Pattern.compile("(?m)^jvm_memory_max_bytes\\{area=\"heap\"[^}]*} (\\S+)$").matcher(metrics);
        long total = 0;
        int found = 0;
        while (pools.find()) {
            found++;
            total += Math.max(0, (long) Double.parseDouble(pools.group(1)));
        }
        assertThat(found).as("heap pools in the metrics").isPositive();
        return total;
    }

    private static String firstError(JsonNode completed) throws IOException {
        Path file = Path.of(completed.path("errors").asText());
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            return reader.readLine();
        }
    }

    /** Row {@code line} (from 1) holds {@code line % 1000} and then 999 ones. */
    private static float expectedSum(long line) {
        return (line % 1000) + COLUMNS - 1;
    }

    private static String notification() {
        return """
                {"Records":[{"eventVersion":"2.0","eventSource":"minio:s3","awsRegion":"",
                "eventTime":"2026-11-23T10:00:00.000Z","eventName":"s3:ObjectCreated:Put",
                "s3":{"s3SchemaVersion":"1.0","configurationId":"Config",
                "bucket":{"name":"incoming","arn":"arn:aws:s3:::incoming"},
                "object":{"key":"wide%%2Frows.csv","size":%d,"sequencer":"17A9B3C5D6E7F801"}}}]}
                """.formatted(LargeObject.size());
    }

    public static class LargeObject implements QuarkusTestResourceLifecycleManager {

        static volatile Path buckets;
        static volatile Path object;
        private ModelRepositoryFixture repository;

        static long size() {
            try {
                return Files.size(object);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Map<String, String> start() {
            repository = ModelRepositoryFixture.temporary("quiver-large-object")
                    .withModel("row_sum", 1, OnnxModels.rowSum(COLUMNS));
            try {
                buckets = Files.createTempDirectory("quiver-large-object-buckets");
                object = buckets.resolve("incoming/wide/rows.csv");
                Files.createDirectories(object.getParent());
                Files.createDirectories(buckets.resolve("results"));
                String ones = ",1".repeat(COLUMNS - 1);
                try (BufferedWriter writer = Files.newBufferedWriter(object)) {
                    for (int line = 1; line <= ROWS; line++) {
                        writer.write(Integer.toString(line % 1000));
                        writer.write(ones);
                        writer.write('\n');
                    }
                }
                Path rules = buckets.resolveSibling(buckets.getFileName() + "-rules.yaml");
                Files.writeString(rules, """
                        rules:
                          - bucket: incoming
                            prefix: wide/
                            model: row_sum
                            format: csv
                            output-bucket: results
                            output-prefix: predictions
                        """);
                return Map.of("quiver.model-repository", repository.root().toString(),
                        "quiver.storage.root", buckets.toString(),
                        "quiver.batch.rules-file", rules.toString());
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
}
