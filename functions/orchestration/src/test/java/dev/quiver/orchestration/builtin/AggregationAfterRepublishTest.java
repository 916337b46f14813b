package dev.quiver.orchestration.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.orchestration.executors.AttemptFolders;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.reads.RunReads;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.runs.StepSamples;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.TestPostgres;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregate step of a run whose publish step runs again while it asks for the versions published first, on a real
 * PostgreSQL server (the tests' own, {@link TestPostgres}) and a real HTTP server answering as the inference function
 * does once the run's second publish retired version 1: the step does not wait for the retired version, and asks for
 * the versions the run published instead.
 */
class AggregationAfterRepublishTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final String EXECUTOR = "/executors/test";
    private static final String PIPELINE = """
            pipeline: republish
            version: 1
            steps:
              - name: train
                executor: kubernetes-job
                for-each: [{seed: 1}, {seed: 2}]
              - name: holdout
                executor: kubernetes-job
              - name: publish
                executor: kubernetes-job
                depends: [train]
                trigger: {at-least: 1}
                retrigger: true
              - name: aggregate
                executor: aggregate-predictions
                depends: [publish, holdout]
                retrigger: true
                params: {data: holdout, ready-timeout: 20s}
            """;

    @TempDir
    Path work;

    private TestPostgres.Schema schema;
    private Transactions transactions;
    private Outbox outbox;
    private RunCoordinator coordinator;
    private PredictionAggregation aggregation;
    private HttpServer inference;
    private final List<String> asked = new ArrayList<>();
    private final CountDownLatch retiredAsked = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        schema = TestPostgres.shared().newSchema("quiver_aggregation");
        Migrations.apply(schema.dataSource(), schema.name());
        transactions = new Transactions(schema.dataSource());
        outbox = new Outbox(transactions, new EventCodec(CLOCK), CLOCK);
        Pipelines pipelines = Pipelines.of(List.of(PipelineParser.parse("republish.yaml", PIPELINE)));
        coordinator = new RunCoordinator(transactions, pipelines, outbox, RetryPolicies.configuredBy(Map.of()), JSON,
                CLOCK);
        inference = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        inference.createContext("/", this::answer);
        inference.start();
        aggregation = new PredictionAggregation(new RunReads(transactions, pipelines, new StepSamples(transactions),
                JSON), pipelines, new InferenceEvents(new CloudEventSender(HttpClient.newHttpClient(), EventTracing.off()),
                new EventCodec(CLOCK), URI.create("http://127.0.0.1:" + inference.getAddress().getPort() + "/"),
                URI.create("/tests"), CLOCK), CLOCK, new AttemptFolders(work.resolve("attempts")));
    }

    @AfterEach
    void stop() {
        inference.stop(0);
        schema.close();
    }

    @Test
    void aVersionTheRunRetiredItselfIsNotWaitedForAndTheRepublishedOnesAreAsked() throws Exception {
        String run = coordinator.requested("/tests", UUID.randomUUID().toString(),
                new RunRequested("republish", null, Map.of()));
        Path holdout = Files.writeString(work.resolve("holdout.csv"), "1,2,0\n3,4,1\n");
        complete(run, "holdout", 1, Map.of(), List.of(new StepCompleted.Artifact("holdout",
                holdout.toUri().toString(), null)));
        complete(run, "train[0]", 1, Map.of(), List.of());
        complete(run, "publish", 1, Map.of("model", "m", "versions", List.of(2, 1)), List.of());
        StepDispatched aggregate = dispatched(run, "aggregate");

        long started = System.nanoTime();
        // a thread of the test's own, with the test's class loader (a pool's may carry another test's)
        ExecutorService step = Executors.newSingleThreadExecutor();
        StepCompleted completed;
        try {
            Future<StepCompleted> result = step.submit(() -> aggregation.run(aggregate));
            assertThat(retiredAsked.await(10, TimeUnit.SECONDS)).as("version 1 asked for").isTrue();
            // the second training lets the publish step run again; it publishes 3 and retires 1
            complete(run, "train[1]", 1, Map.of(), List.of());
            complete(run, "publish", 2, Map.of("model", "m", "versions", List.of(3, 2)), List.of());
            completed = result.get(15, TimeUnit.SECONDS);
        } finally {
            step.shutdownNow();
        }
        assertThat(completed.outputs().get("versions")).isEqualTo(List.of("3", "2"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("well before the 20 s ready timeout")
                .isLessThan(Duration.ofSeconds(15));
        assertThat(asked).contains("1", "3", "2");
    }

    private void complete(String run, String instance, int attempt, Map<String, Object> outputs,
                          List<StepCompleted.Artifact> artifacts) {
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), new StepCompleted(run, instance, attempt,
                outputs, Map.of(), artifacts));
    }

    private StepDispatched dispatched(String run, String instance) throws IOException {
        StepDispatched found = null;
        for (Outbox.Entry entry : outbox.claim("tests", CLOCK.instant().plusSeconds(60), 100)) {
            if (entry.type().equals(EventTypes.STEP_DISPATCHED) && instance.equals(entry.subject())) {
                found = JSON.readValue(entry.data(), StepDispatched.class);
            }
            outbox.markSent("tests", entry);
        }
        assertThat(found).as("%s dispatched in run %s", instance, run).isNotNull();
        return found;
    }

    /** Answers as the inference function does once version 1 is retired: not found for 1, predictions otherwise. */
    private void answer(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String version = JSON.readTree(body).path("version").asText();
        synchronized (asked) {
            asked.add(version);
        }
        String type;
        String data;
        if (version.equals("1")) {
            retiredAsked.countDown();
            type = EventTypes.INFERENCE_FAILED;
            data = "{\"model\":\"m\",\"version\":\"1\",\"error\":\"model \\\"m\\\" has no version \\\"1\\\"\","
                    + "\"reason\":\"not-found\"}";
        } else {
            type = EventTypes.INFERENCE_COMPLETED;
            data = "{\"model\":\"m\",\"modelVersion\":\"" + version + "\",\"outputs\":[{\"name\":\"output\","
                    + "\"datatype\":\"FP32\",\"shape\":[2,2],\"data\":[0.9,0.1,0.2,0.8]}]}";
        }
        CloudEventHttp.write(CloudEventBuilder.v1().withId(UUID.randomUUID().toString())
                        .withSource(URI.create("/quiver/inference")).withType(type)
                        .withDataContentType("application/json").withData(data.getBytes(StandardCharsets.UTF_8))
                        .build(), CloudEventHttp.Mode.BINARY, exchange.getResponseHeaders()::add, reply -> {
                    try {
                        exchange.sendResponseHeaders(200, reply.length);
                        exchange.getResponseBody().write(reply);
                        exchange.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }
}
