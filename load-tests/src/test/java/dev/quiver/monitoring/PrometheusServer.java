package dev.quiver.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quiver.testservices.DebianProgram;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Prometheus server (Debian's {@code prometheus} package: the machine's, or the package's unpacked into the
 * user's cache, {@link DebianProgram}) scraping the given jobs every second and evaluating the given rule files every second,
 * with its storage in a folder of its own.
 */
final class PrometheusServer implements AutoCloseable {

    static final String MISSING = "prometheus is not installed and Debian's prometheus package could not be fetched: "
            + "the dashboards' queries are not checked against real metrics; install it with `apt-get install "
            + "prometheus` (Debian, Ubuntu) to run this test";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final URI url;
    private final Path log;

    private PrometheusServer(Process process, URI url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    static Optional<Path> find() {
        return DebianProgram.find("prometheus", "prometheus");
    }

    /** @param jobs job name to its {@code host:port}, scraped at {@code /q/metrics} */
    static PrometheusServer start(Path binary, Path folder, Map<String, String> jobs, List<Path> ruleFiles)
            throws IOException, InterruptedException {
        Path config = folder.resolve("prometheus.yml");
        Files.writeString(config, config(jobs, ruleFiles));
        Path log = folder.resolve("prometheus.log");
        int port = FunctionProcess.freePort();
        Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + folder.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port), log);
        server.awaitReady(Duration.ofSeconds(30));
        return server;
    }

    static String config(Map<String, String> jobs, List<Path> ruleFiles) {
        String scrapes = jobs.entrySet().stream().map(job -> """
                  - job_name: %s
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ["%s"]
                """.formatted(job.getKey(), job.getValue())).collect(Collectors.joining());
        String rules = ruleFiles.stream().map(file -> "  - \"" + file.toAbsolutePath() + "\"\n")
                .collect(Collectors.joining());
        return """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                %sscrape_configs:
                %s""".formatted(rules, scrapes);
    }

    /** The {@code data.result} of an instant query through the HTTP API ({@code /api/v1/query}). */
    JsonNode query(String expression) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/query?query="
                + URLEncoder.encode(expression, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(answer.body());
        if (answer.statusCode() != 200 || !body.path("status").asText().equals("success")) {
            throw new IllegalStateException("Prometheus refused " + expression + ": " + answer.statusCode() + " "
                    + answer.body());
        }
        return body.path("data").path("result");
    }

    /**
     * The alerts Prometheus holds, pending or firing, as {@code name{label=value,...} state} with the labels the
     * alerting rule's expression gave them (not {@code severity} and the like).
     */
    List<String> alerts() throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/alerts")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> alerts = new ArrayList<>();
        for (JsonNode alert : JSON.readTree(answer.body()).path("data").path("alerts")) {
            JsonNode labels = alert.path("labels");
            StringBuilder text = new StringBuilder(labels.path("alertname").asText()).append('{');
            List<String> pairs = new ArrayList<>();
            labels.properties().forEach(label -> {
                if (!List.of("alertname", "severity", "slo").contains(label.getKey())) {
                    pairs.add(label.getKey() + "=" + label.getValue().asText());
                }
            });
            alerts.add(text.append(String.join(",", pairs.stream().sorted().toList())).append("} ")
                    .append(alert.path("state").asText()).toString());
        }
        return alerts;
    }

    /** Every target's health, as {@code job instance: health (last error)}, to say why a query found nothing. */
    String targets() throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/targets")).build(),
                HttpResponse.BodyHandlers.ofString());
        StringBuilder targets = new StringBuilder();
        for (JsonNode target : JSON.readTree(answer.body()).path("data").path("activeTargets")) {
            targets.append(target.path("labels").path("job").asText()).append(' ')
                    .append(target.path("labels").path("instance").asText()).append(": ")
                    .append(target.path("health").asText()).append(' ').append(target.path("lastError").asText())
                    .append('\n');
        }
        return targets.toString();
    }

    /** Rule evaluation problems, as {@code group: rule: error}; empty when every rule evaluates. */
    List<String> ruleErrors() throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/rules")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> errors = new ArrayList<>();
        for (JsonNode group : JSON.readTree(answer.body()).path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (!rule.path("health").asText().equals("ok") && !rule.path("health").asText().equals("unknown")) {
                    errors.add(group.path("name").asText() + ": " + rule.path("name").asText() + ": "
                            + rule.path("lastError").asText());
                }
            }
        }
        return errors;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus ended at start:\n" + Files.readString(log));
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(url.resolve("/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus not ready within " + timeout + ":\n" + Files.readString(log));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
