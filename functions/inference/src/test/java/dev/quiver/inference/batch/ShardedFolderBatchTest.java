package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * In the folder store, a CSV file split into shards by rows (read with file seeks) and run in the notified process
 * gives the results and errors of the same file run whole, byte for byte, down to the line numbers that name its rows;
 * rows whose answers fail the model's output checks are listed in the errors file, and the others answered.
 */
@QuarkusTest
@WithTestResource(FolderBuckets.class)
class ShardedFolderBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aFileInShardsOfRowsGivesTheBytesOfTheWholeFile() throws Exception {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 45; i++) {
            String json = Digits.pixelsJson(i);
            csv.append(json, 1, json.length() - 1).append('\n');
            if (i % 9 == 4) {
                csv.append("1,2,x\n\n");
            }
        }
        String name = UUID.randomUUID() + ".csv";

        JsonNode whole = notify("whole/" + name, csv.toString());
        JsonNode sharded = notify("sharded/" + name, csv.toString());

        assertThat(sharded.get("rows").asLong()).isEqualTo(45 + 5).isEqualTo(whole.get("rows").asLong());
        assertThat(sharded.get("failed").asLong()).isEqualTo(5);
        assertThat(content(sharded.get("output").asText())).isEqualTo(content(whole.get("output").asText()))
                .contains("\"id\":\"8\"").doesNotContain("\"id\":\"7\"");
        assertThat(content(sharded.get("errors").asText())).isEqualTo(content(whole.get("errors").asText()))
                .contains("\"line\":6,\"error\":\"line 6, column 3: 'x' is not a number\"");
        try (Stream<Path> left = Files.walk(FolderBuckets.buckets.resolve("results"))) {
            assertThat(left.filter(Files::isRegularFile).map(Path::toString)
                    .filter(path -> path.contains("/_shards/") || path.contains("/_claims/")))
                    .as("parts and claims removed").isEmpty();
        }
    }

    @Test
    void rowsWhoseAnswersFailTheOutputChecksGoToTheErrorsFile() throws Exception {
        String csv = "1,1,1,1\n500,0,0,0\n2,2,2,2\n";
        JsonNode completed = notify("ranged/" + UUID.randomUUID() + ".csv", csv);
        assertThat(completed.get("rows").asLong()).isEqualTo(3);
        assertThat(completed.get("succeeded").asLong()).isEqualTo(2);
        assertThat(completed.get("failed").asLong()).isEqualTo(1);
        assertThat(content(completed.get("output").asText()).lines().toList()).hasSize(2)
                .anySatisfy(line -> assertThat(line).contains("\"id\":\"1\"").contains("[2.0,2.0,2.0,2.0]"))
                .anySatisfy(line -> assertThat(line).contains("\"id\":\"3\"").contains("[3.0,3.0,3.0,3.0]"));
        assertThat(content(completed.get("errors").asText())).isEqualTo("{\"id\":\"2\",\"line\":2,\"error\":"
                + "\"model ranged version 1 gave an answer that failed its output checks: output y holds 501.0 at "
                + "element 0, above its max 100.0\"}\n");
    }

    private static JsonNode notify(String key, String content) throws Exception {
        Path file = FolderBuckets.buckets.resolve("incoming").resolve(key);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Response response = given().contentType("application/json").body("""
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                "s3":{"bucket":{"name":"incoming"},"object":{"key":"%s","size":%d}}}]}
                """.formatted(key, content.length())).post("/storage-notifications");
        response.then().statusCode(200);
        return JSON.readTree(response.asByteArray()).get("completed").get(0);
    }

    private static String content(String location) throws Exception {
        return Files.readString(Path.of(location));
    }
}
