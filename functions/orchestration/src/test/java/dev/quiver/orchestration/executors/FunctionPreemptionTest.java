package dev.quiver.orchestration.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpServer;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code function} step preempted while its function works: the function's answer, when it comes all the same, is
 * for the attempt that was preempted and completes nothing; the step's next attempt runs once there is room and is
 * completed by its own answer. A real HTTP function and the embedded database.
 */
class FunctionPreemptionTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();

    private final DataSource database = EmbeddedDatabase.create("function-preemption");
    private final CountDownLatch answer = new CountDownLatch(1);
    private final AtomicInteger calls = new AtomicInteger();
    private HttpServer function;
    private Outbox outbox;
    private RunCoordinator coordinator;
    private FunctionExecutor functions;

    @BeforeEach
    void start() throws Exception {
        function = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        function.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        function.createContext("/", exchange -> {
            calls.incrementAndGet();
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"notified\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        function.start();
        String url = "http://127.0.0.1:" + function.getAddress().getPort() + "/";
        Migrations.apply(database);
        Transactions transactions = new Transactions(database);
        outbox = new Outbox(transactions, new EventCodec(CLOCK), CLOCK);
        coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(
                PipelineParser.parse("notify.yaml", """
                        pipeline: notify
                        version: 1
                        priority: low
                        steps:
                          - name: notify
                            executor: function
                            resources: {cpu: 1}
                            params: {url: "%s"}
                        """.formatted(url)),
                PipelineParser.parse("urgent.yaml", """
                        pipeline: urgent
                        version: 1
                        priority: high
                        steps:
                          - name: train
                            executor: process
                            resources: {cpu: 1}
                            params: {command: [train]}
                        """))), outbox, RetryPolicies.configuredBy(Map.of()), JSON, CLOCK,
                new PoolStore(transactions, PoolFileReader.yaml("pool.yaml", """
                        queues:
                          training: {quota: {cpu: 1, memory: unlimited, gpu: unlimited}}
                        work: {default-queue: training}
                        """), JSON));
        functions = new FunctionExecutor(new StepReports(coordinator, new EventCodec(CLOCK)), JSON,
                new EventCodec(CLOCK), new CloudEventSender(HttpClient.newHttpClient(), EventTracing.off()),
                URI.create("/quiver/orchestration"));
    }

    @AfterEach
    void stop() {
        answer.countDown();
        functions.stop();
        function.stop(0);
    }

    @Test
    void theLateAnswerOfAPreemptedAttemptDoesNotCompleteTheNextOne() throws Exception {
        String notify = request("notify");
        deliver();
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);

        String urgent = request("urgent");
        assertThat(text("select state from attempts where run_id = ? and attempt = 1", notify)).isEqualTo("PREEMPTED");
        assertThat(text("select state || ' ' || attempt from step_instances where run_id = ?", notify))
                .isEqualTo("QUEUED 2");

        answer.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> "1".equals(text("select count(*) from processed_events "
                + "where type = ? and source = '" + StepReports.SOURCE + "'", EventTypes.STEP_COMPLETED)));
        assertThat(text("select state || ' ' || attempt from step_instances where run_id = ?", notify))
                .as("the answer was for attempt 1").isEqualTo("QUEUED 2");
        assertThat(text("select state from runs where id = ?", notify)).isEqualTo("RUNNING");

        coordinator.completed("/quiver/tests", UUID.randomUUID().toString(), new StepCompleted(urgent, "train", 1,
                Map.of(), Map.of(), List.of()));
        deliver();
        await().atMost(Duration.ofSeconds(10)).until(() -> "SUCCEEDED".equals(text("select state from runs "
                + "where id = ?", notify)));
        assertThat(calls.get()).isEqualTo(2);
        assertThat(text("select outputs from step_instances where run_id = ?", notify)).contains("notified");
    }

    private String request(String pipeline) {
        return coordinator.requested("/quiver/tests", UUID.randomUUID().toString(), new RunRequested(pipeline, null,
                Map.of()));
    }

    /** Sends the dispatched function steps, as the relay does. */
    private void deliver() throws Exception {
        for (Outbox.Entry entry : outbox.claim("tests", CLOCK.instant().plusSeconds(60), 100)) {
            if (entry.type().equals(EventTypes.STEP_DISPATCHED)) {
                StepDispatched step = JSON.readValue(entry.data(), StepDispatched.class);
                if (step.executor().equals("function")) {
                    functions.start(step);
                }
            }
            outbox.markSent("tests", entry);
        }
    }

    private String text(String sql, String parameter) throws SQLException {
        try (Connection connection = database.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
