package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.jsonLines;
import static dev.quiver.inference.batch.NotificationRequests.post;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.quiver.inference.batch.notification.NotificationOutcomes;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Azure Event Grid Blob Storage events in the Event Grid schema and in the CloudEvents schema (single and batched),
 * with both handshakes. The container is read as the bucket of the configured object store.
 */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class AzureEventGridTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void blobCreatedEventsInTheEventGridSchemaStartWork() throws Exception {
        String first = "lines/azure " + UUID.randomUUID() + ".jsonl";
        String second = "lines/azure-" + UUID.randomUUID() + ".jsonl";
        S3Buckets.upload(first, jsonLines(2));
        S3Buckets.upload(second, jsonLines(1));
        ArrayNode events = (ArrayNode) JSON.readTree(eventGrid("Microsoft.Storage.BlobCreated", "PutBlob", first,
                "0x8D4BCC2E4835CD0"));
        events.add(JSON.readTree(eventGrid("Microsoft.Storage.BlobCreated", "PutBlockList", second,
                "0x8D4BCC2E4835CD1")).get(0));
        events.add(JSON.readTree(eventGrid("Microsoft.Storage.BlobDeleted", "DeleteBlob", second,
                "0x8D4BCC2E4835CD2")).get(0));
        Response response = post(events.toString());
        response.then().statusCode(200).body("completed", hasSize(2))
                .body("records.record", equalTo(List.of("[0]", "[1]", "[2]")))
                .body("records[2].reason", equalTo("not-object-created"));
        JsonNode completed = JSON.readTree(response.asByteArray()).get("completed");
        assertThat(completed.get(0).get("input").asText()).isEqualTo("s3://incoming/" + first);
        assertThat(completed.get(0).get("inputVersion").asText()).isEqualTo("0x8D4BCC2E4835CD0");
        assertThat(completed.get(1).get("succeeded").asLong()).isEqualTo(1);
        assertThat(S3Buckets.exists("results", "predictions/digits/1/" + first + ".0x8D4BCC2E4835CD0.jsonl"))
                .isTrue();
        assertThat(S3Buckets.keys("results", "predictions/digits/1/" + second + ".0x8D4BCC2E4835CD2")).isEmpty();
    }

    @Test
    void theSubscriptionValidationIsAnsweredWithItsCode() {
        String code = UUID.randomUUID().toString();
        try (CapturedLog log = CapturedLog.of(NotificationOutcomes.class)) {
            String answer = post(NotificationFixture.of("eventgrid-subscription-validation.json").with("code", code)
                    .body()).then().statusCode(200).extract().asString();
            assertThat(answer).isEqualTo("{\"validationResponse\":\"" + code + "\"}");
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("subscription-validation"));
        }
        post("[{\"eventType\":\"Microsoft.EventGrid.SubscriptionValidationEvent\",\"data\":{}}]").then()
                .statusCode(400).body("error", containsString("[0].data.validationCode: required"));
    }

    @Test
    void blobCreatedCloudEventsStartWorkSingleAndBatched() throws Exception {
        String single = "lines/azure-ce " + UUID.randomUUID() + ".jsonl";
        S3Buckets.upload(single, jsonLines(2));
        Response response = given().contentType("application/cloudevents+json; charset=utf-8")
                .body(cloudEvent("Microsoft.Storage.BlobCreated", "PutBlob", single, "0x8DA1")).post(
                        "/storage-notifications");
        response.then().statusCode(200).contentType(containsString("application/cloudevents+json"));
        JsonNode completion = JSON.readTree(response.asByteArray());
        assertThat(completion.get("type").asText()).isEqualTo("dev.quiver.inference.batch.completed");
        assertThat(completion.get("data").get("input").asText()).isEqualTo("s3://incoming/" + single);

        String batched = "lines/azure-batch-" + UUID.randomUUID() + ".jsonl";
        S3Buckets.upload(batched, jsonLines(3));
        String batch = "[" + cloudEvent("Microsoft.Storage.BlobCreated", "CopyBlob", batched, "0x8DA2") + ","
                + cloudEvent("Microsoft.Storage.BlobCreated", "CreateFile", batched, "0x8DA3") + ","
                + cloudEvent("Microsoft.Storage.BlobTierChanged", "SetBlobTier", batched, "0x8DA4") + "]";
        given().contentType("application/cloudevents-batch+json; charset=utf-8").body(batch)
                .post("/storage-notifications").then().statusCode(200).body("completed", hasSize(1))
                .body("completed[0].input", equalTo("s3://incoming/" + batched))
                .body("completed[0].succeeded", equalTo(3))
                .body("records.record", equalTo(List.of("[0]", "[1]", "[2]")))
                .body("records.reason", equalTo(java.util.Arrays.asList(null, "not-object-created",
                        "not-object-created")));
        given().contentType("application/cloudevents-batch+json").body("[{\"specversion\":\"1.0\"}]")
                .post("/storage-notifications").then().statusCode(400).body("error", containsString("[0]: "));
    }

    @Test
    void theWebhookHandshakeAllowsTheOrigin() {
        given().header("WebHook-Request-Origin", "eventgrid.azure.net").header("WebHook-Request-Rate", "120")
                .options(URI.create("/storage-notifications")).then().statusCode(200)
                .header("WebHook-Allowed-Origin", "eventgrid.azure.net").header("WebHook-Allowed-Rate", "*")
                .header("Allow", containsString("POST"));
    }

    private static String eventGrid(String eventType, String api, String key, String etag) {
        return NotificationFixture.of("eventgrid-blob-event.json").with("eventType", eventType).with("api", api)
                .with("id", UUID.randomUUID()).with("bucket", "incoming").with("key", key)
                .with("urlKey", key.replace(" ", "%20")).with("etag", etag).with("size", 512).body();
    }

    private static String cloudEvent(String eventType, String api, String key, String etag) {
        return NotificationFixture.of("azure-cloudevent-blob-event.json").with("eventType", eventType)
                .with("api", api).with("id", UUID.randomUUID()).with("bucket", "incoming").with("key", key)
                .with("urlKey", key.replace(" ", "%20")).with("etag", etag).with("size", 512).body();
    }
}
