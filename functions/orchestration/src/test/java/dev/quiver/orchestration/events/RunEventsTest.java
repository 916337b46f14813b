package dev.quiver.orchestration.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import dev.quiver.events.EventTypes;
import dev.quiver.orchestration.runs.RunCoordinator;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The orchestration function over real HTTP on real PostgreSQL: a run of the example pipeline driven by the executors'
 * CloudEvents from request to completion, each decision arriving at the broker as an event; redeliveries; and the
 * 4xx answers Knative does not retry.
 */
@QuarkusTest
@WithTestResource(PostgresStack.class)
class RunEventsTest {

    private static final String EXECUTOR = "/executors/test";

    @TestHTTPResource("/pipelines/model-selection/dry-run")
    URL dryRun;

    @TestHTTPResource("/")
    URL root;

    @Test
    void aRunFollowsItsStepsEventsToItsEnd() throws IOException {
        String requestId = UUID.randomUUID().toString();
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", requestId,
                "{\"pipeline\":\"model-selection\",\"parameters\":{\"dataset\":\"s3://data/churn.csv\","
                        + "\"url\":\"" + PostgresStack.sink.uri() + "report\"}}")
                .statusCode(204);
        EventSink.Received ingest = awaitEvent(event -> EventTypes.STEP_DISPATCHED.equals(event.type())
                && event.data().path("params").path("dataset").asText().equals("s3://data/churn.csv")
                && event.data().path("instance").asText().equals("ingest"));
        String run = ingest.data().get("runId").asText();
        assertThat(ingest.attributes()).containsEntry("source", "/quiver/orchestration")
                .containsEntry("runid", run).containsEntry("subject", "ingest").containsEntry("stepid", "ingest")
                .containsEntry("executor", "process")
                .containsEntry("specversion", "1.0").containsKey("time");

        post(EventTypes.STEP_HEARTBEAT, EXECUTOR, UUID.randomUUID().toString(), "{\"runId\":\"" + run
                + "\",\"instance\":\"ingest\",\"attempt\":1,\"observedAt\":\"2026-11-23T10:00:00Z\","
                + "\"progressPercent\":50,\"memoryBytes\":24117248,\"memoryLimitBytes\":1073741824}")
                .statusCode(204);
        post(EventTypes.SCHEDULER_TICK, "/tests/ping", UUID.randomUUID().toString(), "{}").statusCode(204);
        post("dev.knative.sources.ping", "/apis/v1/namespaces/ml/pingsources/quiver-tick",
                UUID.randomUUID().toString(), "{}").statusCode(204);
        complete(run, "ingest", 0.0);
        // the trainings as an executor reports them; selection and publishing are built in and run by themselves
        awaitDispatch(run, "train[0]", 1);
        complete(run, "train[0]", 0.81);
        complete(run, "train[1]", 0.95);
        awaitEvent(event -> EventTypes.STEP_DISPATCHED.equals(event.type())
                && event.data().path("runId").asText().equals(run)
                && event.data().path("instance").asText().equals("serve"));
        complete(run, "train[2]", 0.90);
        // the report is a function: it is sent the step as an event, and its answer completes the step
        EventSink.Received sentToFunction = awaitEvent(event -> event.data().path("runId").asText().equals(run)
                && event.data().path("instance").asText().equals("report")
                && event.attributes().containsKey("attempt"));
        assertThat(sentToFunction.attributes()).containsEntry("subject", "report").containsEntry("runid", run)
                .containsEntry("stepid", "report").containsEntry("attempt", "1")
                .containsEntry("type", EventTypes.STEP_DISPATCHED);
        EventSink.Received finished = awaitEvent(event -> EventTypes.PIPELINE_RUN_COMPLETED.equals(event.type())
                && event.data().path("runId").asText().equals(run));
        assertThat(finished.data().path("outcome").asText()).isEqualTo("succeeded");
        assertThat(finished.data().path("steps").size()).isEqualTo(7);

        given().get("/runs/" + run).then().statusCode(200)
                .body("state", equalTo("SUCCEEDED"))
                .body("pipelineVersion", equalTo(2))
                .body("parameters.dataset", equalTo("s3://data/churn.csv"))
                .body("steps.size()", equalTo(7))
                .body("steps.find { it.instance == 'select' }.attempt", equalTo(2))
                .body("steps.find { it.instance == 'select' }.outputs.selected.instance",
                        contains("train[1]", "train[2]"))
                .body("steps.find { it.instance == 'serve' }.outputs.version", equalTo(1))
                .body("steps.find { it.instance == 'report' }.outputs.report", equalTo("written"));
        assertThat(PostgresStack.models.resolve("churn/1/model.onnx")).hasSameBinaryContentAs(model(run, "train[1]"));
        assertThat(PostgresStack.models.resolve("churn/2")).as("the same model is not published twice")
                .doesNotExist();
        given().get("/runs/" + run + "/steps/ingest").then().statusCode(200)
                .body("attempts[0].state", equalTo("SUCCEEDED"))
                .body("attempts[0].params.dataset", equalTo("s3://data/churn.csv"))
                .body("series", hasItems("memory_bytes", "memory_limit_bytes", "progress_percent"));
        given().get("/runs/" + run + "/steps/ingest/series/memory_bytes").then().statusCode(200)
                .body("[0].value", equalTo(24117248.0f))
                .body("[0].at", equalTo("2026-11-23T10:00:00Z"));
        String published = PostgresStack.models.resolve("churn").toString() + "/1/model.onnx";
        given().queryParam("uri", PostgresStack.models.toString() + "/churn/1/model.onnx").get("/lineage/artifacts")
                .then().statusCode(200)
                .body("instance", hasItem("serve"))
                .body("find { it.instance == 'serve' }.inputs.instance", hasItem("select"));
        given().queryParam("uri", uri(model(run, "train[1]"))).get("/lineage/artifacts").then().statusCode(200)
                .body("find { it.instance == 'train[1]' }.params.model", equalTo("forest"))
                .body("find { it.instance == 'train[1]' }.inputs.instance", contains("ingest"));
        given().queryParam("uri", "s3://data/churn.csv").get("/lineage/datasets").then().statusCode(200)
                .body("find { it.runId == '" + run + "' }.produced.artifact.uri", hasItem(published));
        given().queryParam("pipeline", "model-selection").queryParam("state", "SUCCEEDED").get("/runs")
                .then().statusCode(200).body("id", hasItem(run));
        assertThat(PostgresStack.sink.problems()).as("every event sent decodes with the catalog under its schema")
                .isEmpty();
        given().queryParam("limit", "0").get("/runs").then().statusCode(400)
                .body("error", equalTo("limit: expected a whole number from 1 to 1000, got '0'"));
        given().get("/runs/no-such-run").then().statusCode(404).body("error", equalTo("run: no run no-such-run"));
    }

    /** Where a step instance of a run leaves its model: a real file, so that publishing can copy it. */
    private static Path model(String run, String instance) throws IOException {
        Path file = PostgresStack.models.resolveSibling(PostgresStack.models.getFileName() + "-trained")
                .resolve(run).resolve(instance + ".onnx");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "model of " + instance + " in run " + run);
        }
        return file;
    }

    private static String uri(Path file) {
        return "file:" + file;
    }

    @Test
    void aRedeliveredRequestCreatesNoSecondRun() {
        String requestId = UUID.randomUUID().toString();
        String body = "{\"pipeline\":\"model-selection\",\"parameters\":{\"tag\":\"" + requestId + "\"}}";
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", requestId, body).statusCode(204);
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", requestId, body).statusCode(204);
        Predicate<EventSink.Received> mine = event -> event.data().path("params").path("tag").asText()
                .equals(requestId);
        awaitEvent(mine);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() ->
                PostgresStack.sink.events().stream().filter(mine).count() == 1);
    }

    @Test
    void eventsThatCanNeverBeActedOnAreRefusedWithA400() {
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", UUID.randomUUID().toString(), "{\"pipeline\":\"churn\"}")
                .statusCode(400)
                .body("error", equalTo("pipeline: no pipeline \"churn\" is registered; registered: model-selection, "
                        + "retries"));
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(),
                "{\"runId\":\"r\",\"instance\":\"ingest\",\"attempt\":0}")
                .statusCode(400).body("error", containsString("attempt"));
        post(EventTypes.STEP_FAILED, EXECUTOR, UUID.randomUUID().toString(),
                "{\"runId\":\"no-such-run\",\"instance\":\"ingest\",\"attempt\":1,\"errorClass\":\"NetworkError\"}")
                .statusCode(400).body("error", equalTo("runId: no run no-such-run"));
        String takes = "; this function takes dev.knative.sources.ping, dev.quiver.pipeline.run.control.requested, "
                + "dev.quiver.pipeline.run.requested, dev.quiver.scheduler.tick, dev.quiver.serving.demand.reported, "
                + "dev.quiver.step.completed, "
                + "dev.quiver.step.failed, dev.quiver.step.heartbeat";
        post("dev.quiver.step.heartbeat.v0", EXECUTOR, UUID.randomUUID().toString(), "{}").statusCode(400)
                .body("error", equalTo("CloudEvent: no function takes events of type 'dev.quiver.step.heartbeat.v0'"
                        + takes));
        post(EventTypes.INFERENCE_REQUESTED, EXECUTOR, UUID.randomUUID().toString(), "{}").statusCode(400)
                .body("error", equalTo("CloudEvent: no function takes events of type '"
                        + EventTypes.INFERENCE_REQUESTED + "'" + takes));
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.STEP_COMPLETED)
                .header("ce-source", EXECUTOR).contentType("application/json").body("{}").post("/")
                .then().statusCode(400).body("error", equalTo("CloudEvent: missing required attribute(s) ce-id"));
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), "{\"runId\":")
                .statusCode(400).body("error", containsString("not valid JSON"));
    }

    @Test
    void dataThatIsNotJsonIsA400NamingTheFieldInEitherMode() throws Exception {
        String failed = "{\"runId\":\"r\",\"instance\":\"ingest\",\"attempt\":1,\"errorClass\":\"NetworkError\"}";
        for (String contentType : List.of("text/plain", "application/octet-stream")) {
            given().header("ce-specversion", "1.0").header("ce-type", EventTypes.STEP_FAILED)
                    .header("ce-source", EXECUTOR).header("ce-id", UUID.randomUUID().toString())
                    .contentType(contentType).body(failed.getBytes(StandardCharsets.UTF_8)).post("/").then()
                    .statusCode(400).body("error", containsString("Content-Type: expected application/json for the "
                            + "event's data, got " + contentType));
        }
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.STEP_FAILED)
                .header("ce-source", EXECUTOR).header("ce-id", UUID.randomUUID().toString())
                .contentType("text/plain").body("the step failed".getBytes(StandardCharsets.UTF_8)).post("/").then()
                .statusCode(400).contentType("application/json")
                .body("error", startsWith("Content-Type: expected application/json for the event's data, got "
                        + "text/plain"));
        for (String body : List.of(failed, "the step failed")) {
            HttpResponse<String> untyped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(root.toURI())
                    .header("ce-specversion", "1.0").header("ce-type", EventTypes.STEP_FAILED)
                    .header("ce-source", EXECUTOR).header("ce-id", UUID.randomUUID().toString())
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(untyped.statusCode()).isEqualTo(400);
            assertThat(untyped.body()).contains("Content-Type: expected application/json for the event's data, "
                    + "got none");
        }
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"" + EXECUTOR
                + "\",\"type\":\"" + EventTypes.STEP_FAILED + "\",";
        given().contentType("application/cloudevents+json").body(envelope + "\"datacontenttype\":\"application/xml\","
                        + "\"data\":\"<failed/>\"}").post("/").then().statusCode(400)
                .body("error", equalTo("datacontenttype: expected application/json for the event's data, got "
                        + "application/xml"));
        given().contentType("application/cloudevents+json").body(envelope + "\"datacontenttype\":\"application/json\","
                        + "\"data_base64\":\"not*base64\"}").post("/").then().statusCode(400)
                .body("error", containsString("data_base64: expected the data in base64"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void inputTheStoreCouldNeverHoldIsA400NamingTheFieldNotA503() throws IOException {
        String failed = "{\"runId\":\"r\",\"instance\":\"ingest\",\"attempt\":1,\"errorClass\":\"NetworkError\"}";
        post(EventTypes.STEP_FAILED, EXECUTOR, "i".repeat(201), failed).statusCode(400)
                .body("error", containsString("ce-id: expected at most 200 characters, got 201"));
        post(EventTypes.STEP_FAILED, "/" + "s".repeat(500), UUID.randomUUID().toString(), failed).statusCode(400)
                .body("error", containsString("ce-source: expected at most 500 characters, got 501"));
        post(EventTypes.STEP_FAILED, EXECUTOR, "i".repeat(200), failed).statusCode(400)
                .body("error", equalTo("runId: no run r"));

        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", UUID.randomUUID().toString(), "{\"pipeline\":\"retries\","
                + "\"parameters\":{\"tenant\":\"" + "t".repeat(501) + "\"}}").statusCode(400)
                .body("error", allOf(containsString("parameters.tenant"), containsString("500")));

        String requestId = UUID.randomUUID().toString();
        // parameters of its own, so that its ingestion is memoized under a key no other test's run has
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", requestId, "{\"pipeline\":\"retries\","
                + "\"parameters\":{\"tag\":\"" + requestId + "\"}}").statusCode(204);
        String run = RunCoordinator.runId("/tests", requestId);
        awaitDispatch(run, "ingest", 1);
        String attempt = "{\"runId\":\"" + run + "\",\"instance\":\"ingest\",\"attempt\":1,";
        post(EventTypes.STEP_FAILED, EXECUTOR, UUID.randomUUID().toString(), attempt + "\"errorClass\":\""
                + "E".repeat(201) + "\"}").statusCode(400)
                .body("error", allOf(containsString("errorClass"), containsString("200")));
        post(EventTypes.STEP_HEARTBEAT, EXECUTOR, UUID.randomUUID().toString(), attempt + "\"metrics\":{\""
                + "m".repeat(194) + "\":1}}").statusCode(400)
                .body("error", allOf(containsString("metrics"), containsString("193")));
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), attempt + "\"artifacts\":[{\"name\":\""
                + "a".repeat(201) + "\",\"uri\":\"s3://data/a\"}]}").statusCode(400)
                .body("error", allOf(containsString("artifacts[0].name"), containsString("200")));
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), attempt + "\"artifacts\":["
                + "{\"name\":\"model\",\"uri\":\"s3://data/a\"},{\"name\":\"model\",\"uri\":\"s3://data/b\"}]}")
                .statusCode(400).body("error", containsString("$.artifacts[1].name: \"model\" is the name of "
                        + "$.artifacts[0] already; expected one artifact per name"));
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), attempt
                + "\"metrics\":{\"accuracy\":1e400}}").statusCode(400)
                .body("error", containsString("$.metrics.accuracy: the number is out of range"));
        // PostgreSQL keeps no NUL character in text: no schema says so, and the store's refusal is still no outage
        post(EventTypes.STEP_FAILED, EXECUTOR, UUID.randomUUID().toString(), attempt
                + "\"errorClass\":\"NetworkError\",\"message\":\"reset\\u0000\"}").statusCode(400)
                .body("error", containsString("the run store cannot hold this (SQLState 22"));

        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), attempt + "\"metrics\":{\"records\":3},"
                + "\"artifacts\":[{\"name\":\"" + "a".repeat(200) + "\",\"uri\":\"s3://data/a\"}]}").statusCode(204);
        awaitDispatch(run, "train", 1);
        given().get("/runs/" + run).then().statusCode(200)
                .body("steps.find { it.instance == 'ingest' }.state", equalTo("SUCCEEDED"));
    }

    @Test
    void aBodyOverOneMebibyteIsA413WithAJsonError() {
        String padding = "x".repeat((1 << 20) - "{\"runId\":\"\"}".length());
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), "{\"runId\":\"" + padding + "\"}")
                .statusCode(400);
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), "{\"runId\":\"" + padding + "x\"}")
                .statusCode(413).contentType("application/json")
                .body("error", equalTo("request body: the body sent is more than the 1048576 bytes allowed (1 MiB per "
                        + "event)"));
    }

    @Test
    void pipelinesAreListedAndADryRunExplainsEachStep() {
        given().get("/pipelines").then().statusCode(200)
                .body("find { it.name == 'model-selection' }.version", equalTo(2))
                .body("find { it.name == 'model-selection' }.steps", contains("ingest", "train", "select", "serve",
                        "report"));
        given().contentType("application/json").body("{\"parameters\":{\"tag\":\"" + UUID.randomUUID() + "\"}}")
                .post("/pipelines/model-selection/dry-run").then().statusCode(200)
                .body("instance", contains("ingest", "train[0]", "train[1]", "train[2]", "select", "serve", "report"))
                .body("[0].reuse", equalTo(false))
                .body("[0].reason", containsString("no earlier result"));
        given().contentType("application/json").body("{}").post("/pipelines/churn/dry-run").then().statusCode(404)
                .body("error", containsString("no pipeline \"churn\""));
    }

    /** A POST with nothing to send (Content-Length: 0) asks about the latest version without parameters. */
    @Test
    void aDryRunWithoutABodyIsAnsweredAtOnce() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(dryRun.toURI())
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"instance\":\"ingest\"");
    }

    @Test
    void aFailureAfterAMemorySpikeInItsHeartbeatsIsAnsweredWithARetryDecisionForMoreMemory() throws IOException {
        String requestId = UUID.randomUUID().toString();
        post(EventTypes.PIPELINE_RUN_REQUESTED, "/tests", requestId, "{\"pipeline\":\"retries\"}").statusCode(204);
        String run = RunCoordinator.runId("/tests", requestId);
        awaitDispatch(run, "ingest", 1);
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(), "{\"runId\":\"" + run
                + "\",\"instance\":\"ingest\",\"attempt\":1}").statusCode(204);
        awaitDispatch(run, "train", 1);
        // near the limit (240 of 256 MiB) after a sudden spike, then a crash the executor did not call a kill
        long[] mebibytes = {23, 25, 24, 240};
        for (int i = 0; i < mebibytes.length; i++) {
            post(EventTypes.STEP_HEARTBEAT, EXECUTOR, UUID.randomUUID().toString(), "{\"runId\":\"" + run
                    + "\",\"instance\":\"train\",\"attempt\":1,\"observedAt\":\"2026-11-23T10:00:0" + i + "Z\","
                    + "\"memoryBytes\":" + (mebibytes[i] << 20) + ",\"memoryLimitBytes\":268435456}")
                    .statusCode(204);
        }
        String failure = "{\"runId\":\"" + run + "\",\"instance\":\"train\",\"attempt\":1,"
                + "\"errorClass\":\"ExitCode\",\"exitCode\":1,\"message\":\"std::bad_alloc\"}";
        String id = UUID.randomUUID().toString();
        post(EventTypes.STEP_FAILED, EXECUTOR, id, failure).statusCode(204);
        post(EventTypes.STEP_FAILED, EXECUTOR, id, failure).statusCode(204);

        EventSink.Received decided = awaitEvent(event -> EventTypes.STEP_RETRY_DECIDED.equals(event.type())
                && event.data().path("runId").asText().equals(run));
        assertThat(decided.data().path("action").asText()).isEqualTo("RETRY_WITH_RESOURCES");
        assertThat(decided.data().path("memoryBytes").asLong()).isEqualTo(512L << 20);
        assertThat(decided.data().path("reasons").get(0).asText()).contains("240 MiB", "256 MiB");
        given().get("/runs/" + run + "/steps/train").then().statusCode(200)
                .body("step.state", equalTo("RETRY_WAIT"))
                .body("attempts[0].decision.action", equalTo("RETRY_WITH_RESOURCES"))
                .body("attempts[0].decision.evidence.peakMemoryBytes", equalTo(240 << 20));
        assertThat(PostgresStack.sink.events()).as("a redelivered failure is decided once")
                .filteredOn(event -> EventTypes.STEP_RETRY_DECIDED.equals(event.type())
                        && event.data().path("runId").asText().equals(run)).hasSize(1);
    }

    @Test
    void theFunctionIsReadyOnceItsStoreIsReachable() {
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static void complete(String run, String instance, double accuracy) throws IOException {
        post(EventTypes.STEP_COMPLETED, EXECUTOR, UUID.randomUUID().toString(),
                "{\"runId\":\"" + run + "\",\"instance\":\"" + instance + "\",\"attempt\":1"
                        + ",\"metrics\":{\"accuracy\":" + accuracy + "},\"artifacts\":[{\"name\":\"model\","
                        + "\"uri\":\"" + uri(model(run, instance)) + "\"}]}").statusCode(204);
    }

    private static void awaitDispatch(String run, String instance, int attempt) {
        awaitEvent(event -> EventTypes.STEP_DISPATCHED.equals(event.type())
                && event.data().path("runId").asText().equals(run)
                && event.data().path("instance").asText().equals(instance)
                && event.data().path("attempt").asInt() == attempt);
    }

    private static EventSink.Received awaitEvent(Predicate<EventSink.Received> wanted) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> PostgresStack.sink.events().stream()
                .filter(wanted).findFirst().orElse(null), found -> found != null);
    }

    private static ValidatableResponse post(String type, String source, String id, String json) {
        return given().header("ce-specversion", "1.0").header("ce-type", type).header("ce-source", source)
                .header("ce-id", id).contentType("application/json").body(json).post("/").then();
    }
}
