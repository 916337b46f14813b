package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventTypes;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With a broker, the replica notified of a large object sends one shard event per shard and answers without a
 * completion; the shard events delivered back (as a Trigger delivers them) run the shards, and the last is answered
 * with the one completion event, whose results are those of the object run whole.
 */
@QuarkusTest
@WithTestResource(BrokerBuckets.class)
class BrokerShardedBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
        BrokerBuckets.SENT.clear();
    }

    @Test
    void theShardsGoToTheBrokerAndTheLastDeliveredAnswersWithTheCompletion() throws Exception {
        String content = jsonLines(40);
        String name = UUID.randomUUID() + ".jsonl";
        JsonNode whole = JSON.readTree(notify("lines/" + name, content).asByteArray()).get("completed").get(0);

        Response planned = notify("sharded-lines/" + name, content);
        planned.then().statusCode(200).body("completed.size()", equalTo(0))
                .body("records[0].outcome", equalTo("sharded"));
        List<BrokerBuckets.Sent> sent = new ArrayList<>(BrokerBuckets.SENT);
        assertThat(sent).hasSize(6).allSatisfy(event -> assertThat(event.header("ce-type"))
                .isEqualTo(EventTypes.INFERENCE_SHARD_REQUESTED));
        Set<String> ids = sent.stream().map(event -> event.header("ce-id")).collect(Collectors.toSet());
        assertThat(ids).hasSize(6);

        BrokerBuckets.SENT.clear();
        notify("sharded-lines/" + name, content).then().statusCode(200);
        assertThat(BrokerBuckets.SENT).as("a notification delivered again sends the same shard events")
                .extracting(event -> event.header("ce-id")).containsExactlyInAnyOrderElementsOf(ids);

        for (BrokerBuckets.Sent shard : sent.subList(0, sent.size() - 1)) {
            deliver(shard).then().statusCode(202);
        }
        Response completion = deliver(sent.getLast());
        completion.then().statusCode(200);
        assertThat(completion.header("ce-type")).isEqualTo(EventTypes.INFERENCE_BATCH_COMPLETED);
        JsonNode completed = JSON.readTree(completion.asByteArray());
        for (String field : List.of("rows", "succeeded", "failed", "modelVersion")) {
            assertThat(completed.get(field)).as(field).isEqualTo(whole.get(field));
        }
        assertThat(object(completed.get("output").asText())).isEqualTo(object(whole.get("output").asText()));
        assertThat(object(completed.get("errors").asText())).isEqualTo(object(whole.get("errors").asText()));

        notify("sharded-lines/" + name, content).then().statusCode(200)
                .body("records[0].reason", equalTo("already-processed"));
    }

    private static Response deliver(BrokerBuckets.Sent event) {
        RequestSpecification spec = given();
        event.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("ce-") || lower.equals("content-type")) {
                spec.header(name, values.getFirst());
            }
        });
        return spec.body(event.body()).post("/storage-notifications");
    }

    private static Response notify(String key, String content) {
        String etag = S3Buckets.upload(key, content);
        return given().contentType("application/json").body("""
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                "s3":{"bucket":{"name":"incoming"},"object":{"key":"%s","size":1024,"eTag":"%s"}}}]}
                """.formatted(URLEncoder.encode(key, StandardCharsets.UTF_8), etag)).post("/storage-notifications");
    }

    private static String object(String location) {
        String key = location.substring("s3://results/".length());
        return S3Buckets.client.getObjectAsBytes(request -> request.bucket("results").key(key)).asUtf8String();
    }

    /** 40 instances named by their lines, and one line that is not JSON. */
    private static String jsonLines(int rows) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            lines.append(Digits.pixelsJson(i)).append('\n');
            if (i == 20) {
                lines.append("{not json\n");
            }
        }
        return lines.toString();
    }
}
