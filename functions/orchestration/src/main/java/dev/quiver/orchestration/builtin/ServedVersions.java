package dev.quiver.orchestration.builtin;

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
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Which versions of a published model the inference function serves: the {@code version_policy} of the model's
 * configuration file in the repository, the one that applies by the layout's precedence (a new {@code config.yaml}
 * when it has none), written so that its other settings stay as they are.
 */
final class ServedVersions {

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
                if (new Yaml().load(in) instanceof Map<?, ?> existing) {
                    existing.forEach((name, value) -> config.put(String.valueOf(name), value));
                }
            }
        }
        Map<String, Object> policy = Map.of("latest", count);
        if (policy.equals(config.get("version_policy"))) {
            return;
        }
        config.put("version_policy", policy);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Path temporary = Files.createTempFile("quiver-model-config-", ".yaml");
        try {
            Files.writeString(temporary, new Yaml(options).dump(config), StandardCharsets.UTF_8);
            store.put(key, temporary, "application/yaml");
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
