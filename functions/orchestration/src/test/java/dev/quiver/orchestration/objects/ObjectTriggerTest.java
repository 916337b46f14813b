package dev.quiver.orchestration.objects;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.quiver.configfile.InvalidConfigException;
import dev.quiver.orchestration.pipeline.PipelineParser;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A pipeline with {@code on-object} runs when an object it names is created: the store's notification, posted over
 * HTTP as S3 or Cloud Storage send it, starts one run per object version with the object as parameters (a process
 * step that needs them), and a redelivery or a second notification of that version starts nothing.
 */
@QuarkusTest
@WithTestResource(ObjectTriggerTest.UploadPipeline.class)
class ObjectTriggerTest {

    @Test
    void anS3NotificationStartsOneRunPerObjectVersionWithTheObjectAsParameters() {
        String notification = s3("ObjectCreated:Put", "uploads", "incoming/day+1.csv", "v-1");
        String run = post(notification).then().statusCode(202)
                .body("runs", hasSize(1))
                .body("runs[0].pipeline", equalTo("on-upload"))
                .body("runs[0].key", equalTo("incoming/day 1.csv"))
                .extract().jsonPath().getString("runs[0].run");
        await().atMost(Duration.ofSeconds(30)).until(() -> "SUCCEEDED".equals(
                given().get("/runs/" + run).then().extract().jsonPath().getString("state")));
        JsonPath state = given().get("/runs/" + run).then().extract().jsonPath();
        assertThat(state.getMap("parameters")).isEqualTo(Map.of("object-bucket", "uploads",
                "object-key", "incoming/day 1.csv", "object-version", "v-1"));

        post(notification).then().statusCode(202).body("runs[0].run", equalTo(run));
        String next = post(s3("ObjectCreated:CompleteMultipartUpload", "uploads", "incoming/day+1.csv", "v-2"))
                .then().statusCode(202).extract().jsonPath().getString("runs[0].run");
        assertThat(next).as("a new version of the object is a new run").isNotEqualTo(run);
        assertThat(runsOf("incoming/day 1.csv")).as("one run per version").hasSize(2);
    }

    @Test
    void aCloudStorageCloudEventStartsARunOnceWhetherBinaryOrStructured() {
        String data = "{\"bucket\": \"uploads\", \"name\": \"incoming/gcs.csv\", \"generation\": \"1733400000000\"}";
        String run = given().header("ce-specversion", "1.0").header("ce-id", "gcs-1")
                .header("ce-source", "//storage.googleapis.com/projects/_/buckets/uploads")
                .header("ce-type", "google.cloud.storage.object.v1.finalized").contentType("application/json")
                .body(data).post("/storage-notifications").then().statusCode(202)
                .body("runs[0].version", equalTo("1733400000000")).extract().jsonPath().getString("runs[0].run");
        given().contentType("application/cloudevents+json").body("{\"specversion\": \"1.0\", \"id\": \"gcs-2\", "
                        + "\"source\": \"//storage.googleapis.com/projects/_/buckets/uploads\", \"type\": "
                        + "\"google.cloud.storage.object.v1.finalized\", \"data\": " + data + "}")
                .post("/storage-notifications").then().statusCode(202).body("runs[0].run", equalTo(run));
        assertThat(runsOf("incoming/gcs.csv")).hasSize(1);
    }

    @Test
    void objectsOutsideThePrefixOrSuffixAndOtherEventsStartNothing() {
        post(s3("ObjectCreated:Put", "uploads", "incoming/notes.txt", "v-1")).then().statusCode(202)
                .body("runs", empty());
        post(s3("ObjectCreated:Put", "uploads", "archive/day.csv", "v-1")).then().statusCode(202)
                .body("runs", empty());
        post(s3("ObjectCreated:Put", "other", "incoming/day.csv", "v-1")).then().statusCode(202)
                .body("runs", empty());
        post(s3("ObjectRemoved:Delete", "uploads", "incoming/gone.csv", "v-1")).then().statusCode(202)
                .body("runs", empty());
    }

    @Test
    void aNotificationWithoutWhatARunNeedsIsA400NamingTheField() {
        post("{\"Records\": [{\"eventName\": \"ObjectCreated:Put\", \"s3\": {\"bucket\": {}, "
                + "\"object\": {\"key\": \"incoming/a.csv\", \"versionId\": \"v\"}}}]}").then().statusCode(400)
                .body("error", containsString("Records[0].s3.bucket.name"));
        post("{\"Records\": [{\"eventName\": \"ObjectCreated:Put\", \"s3\": {\"bucket\": {\"name\": \"uploads\"}, "
                + "\"object\": {\"key\": \"incoming/a.csv\"}}}]}").then().statusCode(400)
                .body("error", containsString("Records[0].s3.object.versionId"));
        post("{\"hello\": 1}").then().statusCode(400).body("error", containsString("Records"));
        post("{not json").then().statusCode(400).body("error", containsString("not JSON"));
    }

    @Test
    void anOnObjectWithoutABucketIsRefusedWhenThePipelineIsRead() {
        assertThatThrownBy(() -> PipelineParser.parse("bad.yaml", """
                pipeline: bad
                version: 1
                on-object: {prefix: incoming/, colour: red}
                steps:
                  - {name: a, executor: select-models, params: {metric: accuracy}}
                """)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("on-object.bucket").hasMessageContaining("colour");
    }

    private static List<Object> runsOf(String key) {
        return given().get("/runs?pipeline=on-upload&limit=100").then().statusCode(200).extract().jsonPath()
                .getList("id", String.class).stream()
                .filter(id -> key.equals(given().get("/runs/" + id).then().extract().jsonPath()
                        .getString("parameters.'object-key'"))).map(Object.class::cast).toList();
    }

    private static io.restassured.response.Response post(String body) {
        return given().contentType("application/json").body(body).post("/storage-notifications");
    }

    /** An S3 event record as a bucket's notification sends it (the key form-encoded, as S3 does). */
    private static String s3(String event, String bucket, String key, String version) {
        return "{\"Records\": [{\"eventVersion\": \"2.1\", \"eventSource\": \"aws:s3\", \"eventName\": \"" + event
                + "\", \"s3\": {\"bucket\": {\"name\": \"" + bucket + "\"}, \"object\": {\"key\": \"" + key
                + "\", \"size\": 42, \"versionId\": \"" + version + "\", \"sequencer\": \"0062\"}}}]}";
    }

    public static class UploadPipeline implements QuarkusTestResourceLifecycleManager {

        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-on-object");
                Path pipelines = Files.createDirectories(root.resolve("pipelines"));
                Files.writeString(pipelines.resolve("on-upload.yaml"), """
                        pipeline: on-upload
                        version: 1
                        on-object: {bucket: uploads, prefix: incoming/, suffix: .csv}
                        steps:
                          - name: load
                            executor: process
                            params:
                              command: [sh, -c, 'test -n "$QUIVER_PARAM_OBJECT_KEY" && test -n "$QUIVER_PARAM_OBJECT_VERSION"']
                        """);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quiver.orchestration.pipelines", root.resolve("pipelines").toString(),
                    "quiver.orchestration.state", root.resolve("state").toString(),
                    "quiver.orchestration.relay-interval", "50ms");
        }

        @Override
        public void stop() {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
