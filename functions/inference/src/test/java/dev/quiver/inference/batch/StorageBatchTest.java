package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** Files landing in a real S3-compatible store are run through the digits model, once per object version. */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class StorageBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void anS3NotificationRunsTheRowsAndListsTheBadOnesApart() throws Exception {
        String key = "digits/batch " + UUID.randomUUID() + "/M\u00e4rz.csv";
        String etag = upload(key, csv(20));
        Response response = given().contentType("application/json").body(s3Notification(key, etag))
                .post("/storage-notifications");
        response.then().statusCode(200);
        JsonNode completed = JSON.readTree(response.asByteArray()).get("completed").get(0);
        assertThat(completed.get("rows").asLong()).isEqualTo(22);
        assertThat(completed.get("succeeded").asLong()).isEqualTo(20);
        assertThat(completed.get("failed").asLong()).isEqualTo(2);
        assertThat(completed.get("modelVersion").asText()).isEqualTo("1");
        String resultsKey = "predictions/digits/1/" + key + "." + etag + ".jsonl";
        assertThat(completed.get("output").asText()).isEqualTo("s3://results/" + resultsKey);

        List<String> results = lines("results", resultsKey);
        assertThat(results).hasSize(20);
        for (int i = 0; i < 20; i++) {
            JsonNode line = JSON.readTree(results.get(i));
            assertThat(line.get("id").asText()).isEqualTo("row-" + i);
            assertThat(argmax(line.get("outputs"))).as("row %d answered as the trained model answers it", i)
                    .isEqualTo(Digits.argmax(Arrays.stream(Digits.expectedProbabilities(i)).boxed().toList()));
        }
        List<String> errors = lines("results", "predictions/digits/1/" + key + "." + etag + ".errors.jsonl");
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).contains("bad-number").contains("is not a number");
        assertThat(errors.get(1)).contains("short-row").contains("64");

        HeadObjectResponse before = S3Buckets.client.headObject(request -> request.bucket("results").key(resultsKey));
        Response again = given().contentType("application/json").body(s3Notification(key, etag))
                .post("/storage-notifications");
        again.then().statusCode(200);
        assertThat(again.header("ce-type")).isNull();
        assertThat(JSON.readTree(again.asByteArray()).get("completed").get(0)).isEqualTo(completed);
        HeadObjectResponse after = S3Buckets.client.headObject(request -> request.bucket("results").key(resultsKey));
        assertThat(after.lastModified()).as("no second output").isEqualTo(before.lastModified());
        assertThat(after.eTag()).isEqualTo(before.eTag());
    }

    @Test
    void aCloudEventIsAnsweredWithACompletionEventAndANewVersionIsProcessedAnew() throws Exception {
        String key = "lines/" + UUID.randomUUID() + ".jsonl";
        String first = upload(key, jsonLines(3));
        Response response = binary(gcsEvent(key, first));
        response.then().statusCode(200);
        assertThat(response.header("ce-type")).isEqualTo("dev.quiver.inference.batch.completed");
        assertThat(response.header("ce-correlationid")).isNotBlank();
        JsonNode completed = JSON.readTree(response.asByteArray());
        assertThat(completed.get("succeeded").asLong()).isEqualTo(3);
        assertThat(lines("results", "predictions/digits/1/" + key + "." + first + ".jsonl")).hasSize(3)
                .allSatisfy(line -> assertThat(line).contains("\"id\":\"item-"));

        Response redelivered = binary(gcsEvent(key, first));
        assertThat(redelivered.header("ce-type")).as("no second completion event").isNull();

        String second = upload(key, jsonLines(5));
        assertThat(second).isNotEqualTo(first);
        Response newVersion = binary(gcsEvent(key, second));
        assertThat(newVersion.header("ce-type")).isEqualTo("dev.quiver.inference.batch.completed");
        assertThat(JSON.readTree(newVersion.asByteArray()).get("succeeded").asLong()).isEqualTo(5);
    }

    @Test
    void aMinioWebhookIsReadLikeAnS3Notification() throws Exception {
        String key = "digits/minio-" + UUID.randomUUID() + ".csv";
        String etag = upload(key, csv(4));
        String webhook = """
                {"EventName":"s3:ObjectCreated:Put","Key":"incoming/%s","Records":[{"eventVersion":"2.0",
                "eventSource":"minio:s3","awsRegion":"","eventTime":"2026-11-23T10:00:00.000Z",
                "eventName":"s3:ObjectCreated:Put","userIdentity":{"principalId":"minioadmin"},
                "requestParameters":{"sourceIPAddress":"127.0.0.1"},"responseElements":{"x-amz-request-id":"1"},
                "s3":{"s3SchemaVersion":"1.0","configurationId":"Config","bucket":{"name":"incoming",
                "ownerIdentity":{"principalId":"minioadmin"},"arn":"arn:aws:s3:::incoming"},
                "object":{"key":"%s","size":100,"eTag":"%s","contentType":"text/csv",
                "userMetadata":{"content-type":"text/csv"},"sequencer":"17A5A1B1C3D0E1F2"}}}]}
                """.formatted(key, URLEncoder.encode(key, StandardCharsets.UTF_8), etag);
        Response response = given().contentType("application/json").body(webhook).post("/storage-notifications");
        response.then().statusCode(200);
        assertThat(JSON.readTree(response.asByteArray()).get("completed").get(0).get("succeeded").asLong())
                .isEqualTo(6 - 2);
    }

    @Test
    void notificationsThatCannotBeProcessedAreRefusedOrSkipped() {
        given().contentType("application/json").body(s3Notification("elsewhere/file.csv", "abc"))
                .post("/storage-notifications").then().statusCode(200).body("completed", hasSize(0))
                .body("records[0].record", equalTo("Records[0]")).body("records[0].reason", equalTo("no-rule"));
        given().contentType("application/json").body("{\"hello\":1}").post("/storage-notifications")
                .then().statusCode(400).body("error", containsString("Records"));
        given().contentType("application/json").body("{\"Records\":").post("/storage-notifications")
                .then().statusCode(400).body("error", containsString("not valid JSON"));
        given().contentType("application/json").body(s3Notification("digits/missing.csv", ""))
                .post("/storage-notifications").then().statusCode(400).body("error", containsString("does not exist"));
    }

    @Test
    void aNotificationEventWhoseDataIsNotJsonIsA400NamingTheField() {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"//storage.googleapis.com\","
                + "\"type\":\"google.cloud.storage.object.v1.finalized\",";
        CloudEvent gcs = gcsEvent("lines/never.jsonl", "1");
        for (String contentType : List.of("text/plain", "application/octet-stream")) {
            binary(CloudEventBuilder.v1(gcs).withDataContentType(contentType).build()).then().statusCode(400)
                    .body("error", containsString("Content-Type: expected application/json for the event's data, "
                            + "got " + contentType));
        }
        given().contentType("application/cloudevents+json").body(envelope
                        + "\"datacontenttype\":\"application/xml\",\"data\":\"<object/>\"}")
                .post("/storage-notifications").then().statusCode(400).body("error", containsString(
                        "datacontenttype: expected application/json for the event's data, got application/xml"));
        given().contentType("application/cloudevents+json").body(envelope
                        + "\"datacontenttype\":\"application/json\",\"data_base64\":\"%%%\"}")
                .post("/storage-notifications").then().statusCode(400).body("error", containsString(
                        "data_base64: expected the data in base64"));
    }

    @Test
    void aVersionAnotherReplicaHoldsIsRetriedLaterAndAStaleClaimIsTakenOver() throws Exception {
        String key = "digits/claimed-" + UUID.randomUUID() + ".csv";
        String etag = upload(key, csv(3));
        String claimKey = "predictions/digits/_claims/" + key + "." + etag + ".json";
        String doneKey = "predictions/digits/_done/" + key + "." + etag + ".json";
        putClaim(claimKey, "other-replica", Instant.now().minusSeconds(60));

        given().contentType("application/json").body(s3Notification(key, etag)).post("/storage-notifications")
                .then().statusCode(503).header("Retry-After", "30")
                .body("error", containsString("another replica has been processing it since"));
        assertThat(exists("results", doneKey)).as("no completion while another replica holds the claim").isFalse();

        putClaim(claimKey, "crashed-replica", Instant.now().minus(Duration.ofMinutes(16)));
        Response response = given().contentType("application/json").body(s3Notification(key, etag))
                .post("/storage-notifications");
        response.then().statusCode(200);
        assertThat(JSON.readTree(response.asByteArray()).get("completed").get(0).get("succeeded").asLong())
                .isEqualTo(3);
        assertThat(exists("results", doneKey)).isTrue();
        assertThat(exists("results", claimKey)).as("the claim is given up when the work is done").isFalse();
    }

    private static void putClaim(String key, String owner, Instant claimed) throws Exception {
        byte[] claim = JSON.writeValueAsBytes(Map.of("owner", owner, "claimed", claimed.toString()));
        S3Buckets.client.putObject(request -> request.bucket("results").key(key), RequestBody.fromBytes(claim));
    }

    private static boolean exists(String bucket, String key) {
        try {
            S3Buckets.client.headObject(request -> request.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static String csv(int rows) {
        StringBuilder csv = new StringBuilder("id," + String.join(",", columns()) + "\n");
        for (int i = 0; i < rows; i++) {
            csv.append("row-").append(i).append(',').append(pixels(i)).append('\n');
            if (i == rows / 2) {
                csv.append("bad-number,").append(pixels(i).replaceFirst("\\d+", "x")).append('\n');
                csv.append("short-row,").append(pixels(i).replaceFirst("\\d+,", "")).append('\n');
            }
        }
        return csv.toString();
    }

    /** The 64 pixel values of a row of the digits data, comma-separated. */
    private static String pixels(int row) {
        String json = Digits.pixelsJson(row);
        return json.substring(1, json.length() - 1);
    }

    private static List<String> columns() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            names.add("p" + i);
        }
        return names;
    }

    private static String jsonLines(int rows) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            lines.append("{\"id\":\"item-").append(i).append("\",\"instance\":").append(Digits.pixelsJson(i))
                    .append("}\n");
        }
        return lines.toString();
    }

    private static String upload(String key, String content) {
        return S3Buckets.client.putObject(request -> request.bucket("incoming").key(key),
                RequestBody.fromString(content)).eTag().replace("\"", "");
    }

    private static List<String> lines(String bucket, String key) {
        String content = S3Buckets.client.getObjectAsBytes(request -> request.bucket(bucket).key(key))
                .asUtf8String();
        return content.isEmpty() ? List.of() : List.of(content.split("\n"));
    }

    /** An S3 event notification as AWS documents it, the key URL-encoded. */
    private static String s3Notification(String key, String etag) {
        return """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
                "eventTime":"2026-11-23T10:00:00.000Z","eventName":"ObjectCreated:Put",
                "userIdentity":{"principalId":"AWS:AIDAJDPLRKLG7UEXAMPLE"},
                "requestParameters":{"sourceIPAddress":"127.0.0.1"},
                "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
                "s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule",
                "bucket":{"name":"incoming","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},
                "arn":"arn:aws:s3:::incoming"},
                "object":{"key":"%s","size":1024,"eTag":"%s","versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko",
                "sequencer":"0055AED6DCD90281E5"}}}]}
                """.formatted(URLEncoder.encode(key, StandardCharsets.UTF_8), etag);
    }

    /** A Cloud Storage object-finalized CloudEvent; the generation is the object's version. */
    private static CloudEvent gcsEvent(String key, String generation) {
        String data = """
                {"kind":"storage#object","id":"incoming/%1$s/%2$s","name":"%1$s","bucket":"incoming",
                "generation":"%2$s","metageneration":"1","contentType":"application/jsonl",
                "timeCreated":"2026-11-23T10:00:00.000Z","updated":"2026-11-23T10:00:00.000Z",
                "storageClass":"STANDARD","size":"512","md5Hash":"ZDVhMmI3ZGUzMDQ2MjJmMQ=="}
                """.formatted(key, generation);
        return CloudEventBuilder.v1().withId(UUID.randomUUID().toString())
                .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/incoming"))
                .withType("google.cloud.storage.object.v1.finalized").withSubject("objects/" + key)
                .withDataContentType("application/json").withData(data.getBytes(StandardCharsets.UTF_8)).build();
    }

    private static Response binary(CloudEvent event) {
        RequestSpecification spec = given();
        List<byte[]> body = new ArrayList<>();
        HttpMessageFactory.createWriter(spec::header, body::add).writeBinary(event);
        return spec.body(body.getFirst()).post("/storage-notifications");
    }

    private static int argmax(JsonNode values) {
        JsonNode row = values.isArray() && values.size() > 0 && values.get(0).isArray() ? values.get(0) : values;
        int best = 0;
        for (int i = 1; i < row.size(); i++) {
            if (row.get(i).asDouble() > row.get(best).asDouble()) {
                best = i;
            }
        }
        return best;
    }
}
