package dev.quiver.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One query of one panel of a Grafana dashboard in {@code knative/monitoring/dashboards}, with Grafana's
 * {@code $__rate_interval} replaced by a window that holds several of the test's one-second scrapes.
 */
record PanelQuery(String dashboard, String panel, String refId, String expression) {

    static final Path DASHBOARDS = Path.of("..", "knative", "monitoring", "dashboards").toAbsolutePath().normalize();
    static final String RATE_INTERVAL = "30s";

    static List<PanelQuery> all() {
        JsonMapper json = JsonMapper.builder().build();
        List<PanelQuery> queries = new ArrayList<>();
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            for (Path file : files.filter(name -> name.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = json.readTree(file.toFile());
                for (JsonNode panel : dashboard.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        queries.add(new PanelQuery(dashboard.path("title").asText(), panel.path("title").asText(),
                                target.path("refId").asText(), target.path("expr").asText()
                                .replace("$__rate_interval", RATE_INTERVAL)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboards in " + DASHBOARDS, e);
        }
        return queries;
    }

    @Override
    public String toString() {
        return dashboard + " / " + panel + " [" + refId + "]: " + expression;
    }
}
