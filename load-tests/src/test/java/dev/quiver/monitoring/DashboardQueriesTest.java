package dev.quiver.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.training.DigitsDataset;
import dev.quiver.training.DigitsTrainer;
import dev.quiver.training.TrainedDigitsModel;
import dev.quiver.training.TrainingOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of every Grafana dashboard in {@code knative/monitoring/dashboards} returns data from the running
 * functions: the packaged inference and orchestration functions run as processes, a real Prometheus scrapes them every
 * second and evaluates the rules of {@code knative/monitoring/rules} (some panels show recorded series), a short
 * real load runs ({@link ShortLoad}), and then each panel query goes through Prometheus's HTTP API; the alerts the
 * load must raise are then pending or firing. Skipped, saying so, where Prometheus is not installed.
 */
class DashboardQueriesTest {

    private static final Path RULES = Path.of("..", "knative", "monitoring", "rules").toAbsolutePath().normalize();

    @TempDir
    Path folder;

    @Test
    void everyDashboardQueryReturnsDataAndTheLoadRaisesItsAlerts() throws Exception {
        Optional<Path> prometheus = PrometheusServer.find();
        if (prometheus.isEmpty()) {
            System.err.println("DashboardQueriesTest: " + PrometheusServer.MISSING);
        }
        assumeTrue(prometheus.isPresent(), PrometheusServer.MISSING);
        List<PanelQuery> queries = PanelQuery.all();
        assertThat(queries).extracting(PanelQuery::dashboard).contains("Quiver / Inference", "Quiver / Admission",
                "Quiver / Orchestration", "Quiver / Pool");

        try (FunctionProcess inference = FunctionProcess.start("the inference function",
                Path.of("..", "functions", "inference"), Map.of(
                        "quiver.model-repository", modelRepository().toString(),
                        "quiver.inference.poll-interval", "300ms",
                        "quiver.admission.anonymous.burst", "40"), folder.resolve("inference.log"));
             FunctionProcess orchestration = FunctionProcess.start("the orchestration function",
                     Path.of("..", "functions", "orchestration"), Map.of(
                             "quiver.orchestration.state", folder.resolve("state").toString(),
                             "quiver.orchestration.pipelines", pipelines().toString(),
                             "quiver.orchestration.tick-interval", "1s",
                             "quiver.pool.file", pool().toString(),
                             "quiver.admission.anonymous.burst", "1000",
                             "quiver.admission.anonymous.requests-per-hour", "100000"),
                     folder.resolve("orchestration.log"))) {
            inference.awaitReady(Duration.ofSeconds(90));
            orchestration.awaitReady(Duration.ofSeconds(90));
            try (PrometheusServer server = PrometheusServer.start(prometheus.get(), Files.createDirectories(
                    folder.resolve("prometheus")), Map.of("quiver-inference", inference.target(),
                    "quiver-orchestration", orchestration.target()), ruleFiles())) {
                ShortLoad load = new ShortLoad(inference.url(), orchestration.url());
                load.pipelineRuns();
                load.predictions();
                load.answersFailingTheirChecks();
                load.refusals();
                load.deadLetter();
                load.awaitRunsEnded(Duration.ofSeconds(30));

                List<PanelQuery> empty = awaitData(server, queries, Duration.ofSeconds(20));

                assertThat(empty).as("panel queries that returned nothing; Prometheus's targets:%n%s",
                        server.targets()).isEmpty();
                assertThat(server.ruleErrors()).as("rules Prometheus could not evaluate").isEmpty();
                // the alerts without a `for` fire; the failed version's waits out its minute. Rules whose metric
                // names were wrong would pass their unit tests and raise none of these.
                List<String> expected = List.of(
                        "QuiverModelOutputChecksFailing{job=quiver-inference,model=digits-checked,version=1} firing",
                        "QuiverModelVersionFailed{instance=" + inference.target() + ",job=quiver-inference} pending",
                        "QuiverPipelineSlaMissed{job=quiver-orchestration,kind=run} firing",
                        "QuiverPipelineSlaMissed{job=quiver-orchestration,kind=step} firing",
                        "QuiverDeadLetters{code=500,job=quiver-orchestration} firing");
                assertThat(awaitAlerts(server, expected, Duration.ofSeconds(10)))
                        .as("the alerts the load raised, on the functions' own metrics").containsAll(expected);
            }
        }
    }

    /** The alerts Prometheus holds once it holds the expected ones, or when time is up. */
    private static List<String> awaitAlerts(PrometheusServer server, List<String> expected, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> alerts = server.alerts();
        while (!alerts.containsAll(expected) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            alerts = server.alerts();
        }
        return alerts;
    }

    /** Queries until every one has returned data (two scrapes and a rule evaluation after the load, at least). */
    private static List<PanelQuery> awaitData(PrometheusServer server, List<PanelQuery> queries, Duration timeout)
            throws IOException, InterruptedException {
        Thread.sleep(2_500);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PanelQuery> empty = new ArrayList<>(queries);
        while (true) {
            List<PanelQuery> still = new ArrayList<>();
            for (PanelQuery query : empty) {
                JsonNode result = server.query(query.expression());
                if (result.isEmpty()) {
                    still.add(query);
                }
            }
            empty = still;
            if (empty.isEmpty() || System.nanoTime() > deadline) {
                return empty;
            }
            Thread.sleep(1_000);
        }
    }

    /**
     * {@code digits}, and {@code digits-checked}: the same model with an output check it cannot keep (each value at
     * most 0.5), a fallback of fixed answers, and 3 failed checks of the last 5 to take it out of service.
     */
    private Path modelRepository() throws IOException {
        Path models = folder.resolve("models");
        TrainedDigitsModel trained = new DigitsTrainer(TrainingOptions.defaults().withEpochs(2))
                .train(DigitsDataset.bundled());
        DigitsTrainer.exportOnnx(trained, models.resolve("digits/1/model.onnx"), 1);
        Path checked = models.resolve("digits-checked");
        DigitsTrainer.exportOnnx(trained, checked.resolve("1/model.onnx"), 1);
        Files.createDirectories(checked.resolve("1/validation"));
        Files.writeString(checked.resolve("1/validation/validation.json"),
                "{\"outputs\": {\"output\": {\"min\": 0, \"max\": 0.5}}}");
        Files.writeString(checked.resolve("defaults.json"),
                "{\"outputs\": {\"output\": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]}}");
        Files.writeString(checked.resolve("config.yaml"), """
                fallback:
                  - default_outputs: defaults.json
                output_checks: {failures: 3, window: 5}
                """);
        return models;
    }

    /**
     * {@code observed}: a first step of one cpu that sleeps 3 s against an expected 1 s, in a run with an SLA of 2 s;
     * {@code urgent}: one step of one cpu in the priority class {@code high}, which preempts it.
     */
    private Path pipelines() throws IOException {
        Path pipelines = Files.createDirectories(folder.resolve("pipelines"));
        Files.writeString(pipelines.resolve("observed.yaml"), """
                pipeline: observed
                version: 1
                sla: 2s
                steps:
                  - name: prepare
                    executor: process
                    params: {command: [sleep, "3"]}
                    resources: {cpu: 1}
                    expected-duration: 1s
                  - name: finish
                    executor: process
                    depends: [prepare]
                    params: {command: ["true"]}
                """);
        Files.writeString(pipelines.resolve("urgent.yaml"), """
                pipeline: urgent
                version: 1
                priority: high
                steps:
                  - name: now
                    executor: process
                    params: {command: [sleep, "1"]}
                    resources: {cpu: 1}
                """);
        return pipelines;
    }

    /** One queue with room for one step of one cpu. */
    private Path pool() throws IOException {
        return Files.writeString(folder.resolve("pool.yaml"), """
                queues:
                  default:
                    quota: {cpu: 1, memory: 4Gi}
                """);
    }

    private static List<Path> ruleFiles() throws IOException {
        try (Stream<Path> files = Files.list(RULES)) {
            return files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList();
        }
    }
}
