package dev.quiver.inference.demand;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.serving.DemandReported;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.pool.ServingSpec;
import dev.quiver.testservices.SettableClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demand reports a replica sends to a real HTTP sink: when, and what they say. */
class DemandReporterTest {

    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final List<String> sources = new CopyOnWriteArrayList<>();
    private final List<String> types = new CopyOnWriteArrayList<>();
    private final AtomicInteger answer = new AtomicInteger(202);
    private final AtomicReference<List<DemandReported.ModelDemand>> load = new AtomicReference<>(List.of(
            new DemandReported.ModelDemand("digits", 0, 0)));
    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private HttpServer sink;
    private DemandReporter reporter;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (answer.get() < 300) {
                types.add(exchange.getRequestHeaders().getFirst("ce-type"));
                sources.add(exchange.getRequestHeaders().getFirst("ce-source"));
                received.add(body);
            }
            exchange.sendResponseHeaders(answer.get(), -1);
            exchange.close();
        });
        sink.start();
        Path pool = dir.resolve("pool.yaml");
        Files.writeString(pool, """
                queues:
                  serving: {quota: {cpu: 8, memory: 32Gi}}
                work: {default-queue: serving}
                serving:
                  inference: {queue: serving, replica: {cpu: 1, memory: 2Gi}, concurrency: 4}
                """);
        ServingSpec serving = DemandReporter.serving("inference", Optional.of(pool));
        reporter = new DemandReporter(config(URI.create("http://127.0.0.1:" + sink.getAddress().getPort() + "/")),
                load::get, new EventCodec(clock),
                new CloudEventSender(HttpClient.newHttpClient(), EventTracing.off()), clock, serving, "inference-00001-deployment-abc-1f2e3d4c");
    }

    @AfterEach
    void stop() {
        sink.stop(0);
    }

    @Test
    void aReplicaReportsAtOnceWhenTheReplicasItNeedsChangeAndOtherwiseEveryInterval() throws Exception {
        reporter.check();
        assertThat(types).containsExactly(EventTypes.SERVING_DEMAND_REPORTED);
        DemandReported first = report(0);
        assertThat(sources).containsExactly("/quiver/inference");
        assertThat(first.function()).isEqualTo("inference");
        assertThat(first.replica()).isEqualTo("inference-00001-deployment-abc-1f2e3d4c");
        assertThat(first.sequence()).isEqualTo(1);
        assertThat(first.models()).containsExactly(new DemandReported.ModelDemand("digits", 0, 0));
        assertThat(first.replicas()).as("an idle replica holds itself").isEqualTo(1);
        assertThat(first.resources()).containsEntry("cpu", "1").containsEntry("memory", "2Gi");

        load.set(List.of(new DemandReported.ModelDemand("digits", 3, 0)));
        clock.advance(Duration.ofSeconds(5));
        reporter.check();
        assertThat(received).as("3 requests fit the replica's concurrency of 4: no change to report").hasSize(1);

        load.set(List.of(new DemandReported.ModelDemand("digits", 4, 6), new DemandReported.ModelDemand("ocr", 0,
                1)));
        reporter.check();
        assertThat(received).as("11 requests need 3 replicas: reported at once").hasSize(2);
        DemandReported surge = report(1);
        assertThat(surge.sequence()).isEqualTo(2);
        assertThat(surge.replicas()).isEqualTo(3);
        assertThat(surge.resources()).containsEntry("cpu", "3").containsEntry("memory", "6Gi");

        clock.advance(Duration.ofSeconds(9));
        reporter.check();
        assertThat(received).hasSize(2);
        clock.advance(Duration.ofSeconds(1));
        reporter.check();
        assertThat(received).as("10 s since the last report: the same demand again").hasSize(3);
        assertThat(report(2).sequence()).isEqualTo(3);
    }

    @Test
    void aReportTheSinkRefusedIsSentAgainWithTheNextCheck() throws Exception {
        answer.set(503);
        reporter.check();
        assertThat(received).isEmpty();
        answer.set(202);
        reporter.check();
        assertThat(received).hasSize(1);
        assertThat(report(0).sequence()).as("a later sequence than the refused one's").isEqualTo(2);
    }

    private DemandReported report(int index) {
        EventCodec codec = new EventCodec(clock);
        // as the orchestration function reads it: checked against the catalog's schema
        return codec.decode(codec.event("report-" + index, types.get(index), URI.create(sources.get(index)), null,
                received.get(index), Map.of()), DemandReported.class);
    }

    private static DemandConfig config(URI sink) {
        return new DemandConfig() {
            @Override
            public Optional<URI> sink() {
                return Optional.of(sink);
            }

            @Override
            public Duration interval() {
                return Duration.ofSeconds(10);
            }

            @Override
            public Duration checkInterval() {
                return Duration.ofSeconds(1);
            }

            @Override
            public String function() {
                return "inference";
            }
        };
    }
}
