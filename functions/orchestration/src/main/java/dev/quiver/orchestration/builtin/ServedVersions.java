package dev.quiver.orchestration.builtin;

import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.storage.ModelRepository;
import dev.quiver.storage.ModelRepositoryLayout;
import dev.quiver.storage.ModelRepositoryListing;
import dev.quiver.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which versions of a published model the inference function serves: the {@code version_policy} of the model's
 * configuration file in the repository, the one that applies by the layout's precedence (a new {@code config.yaml}
 * when it has none), written so that its other settings stay as they are.
 */
final class ServedVersions {

    private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();

    private ServedVersions() {
    }

    /** Has the latest {@code count} versions of {@code model} served; writes nothing when that is already so. */
    static void require(ModelRepository models, String model, int count) throws IOException {
        Optional<String> current = models.model(model).flatMap(ModelRepositoryListing.Model::config);
        if (current.isPresent() && ModelRepositoryLayout.isJson(current.get())) {
            throw new BuiltInStepException("InvalidConfiguration", "params.serve-latest: " + model + " is configured "
                    + "by its " + current.get() + ", which takes precedence; set version_policy: {latest: " + count
                    + "} there");
        }
        ObjectStore store = models.store();
        String key = current.orElse(ModelRepositoryLayout.newConfigKey(model));
        Map<String, Object> config = new LinkedHashMap<>();
        if (current.isPresent()) {
            try (InputStream in = store.open(key)) {
                ConfigFile.yaml("model configuration " + key, new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .root().asMapping().map(ConfigMapping::entries)
                        .ifPresent(existing -> existing.forEach((name, value) -> config.put(name, value.plain())));
            }
        }
        Map<String, Object> policy = Map.of("latest", (long) count);
        if (policy.equals(config.get("version_policy"))) {
            return;
        }
        config.put("version_policy", policy);
        Path temporary = Files.createTempFile("quiver-model-config-", ".yaml");
        try {
            Files.writeString(temporary, YAML.writeValueAsString(config), StandardCharsets.UTF_8);
            store.put(key, temporary, "application/yaml");
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
