package dev.quiver.deploy.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code knative/monitoring}, read from the module's folder ({@code knative/deploy}): the Prometheus rule files, their
 * promtool unit tests, the Grafana dashboards and the Kubernetes resources that carry them.
 */
final class MonitoringFiles {

    static final Path ROOT = Path.of("..", "monitoring").toAbsolutePath().normalize();
    static final Path RULES = ROOT.resolve("rules");
    static final Path TESTS = ROOT.resolve("tests");
    static final Path DASHBOARDS = ROOT.resolve("dashboards");
    static final YAMLMapper YAML = new YAMLMapper();
    static final JsonMapper JSON = JsonMapper.builder().build();

    private MonitoringFiles() {
    }

    static List<Path> ruleFiles() {
        return list(RULES, ".yaml");
    }

    static List<Path> testFiles() {
        return list(TESTS, ".test.yaml");
    }

    static List<Path> dashboards() {
        return list(DASHBOARDS, ".json");
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<Path> list(Path folder, String suffix) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(file -> file.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }
}
