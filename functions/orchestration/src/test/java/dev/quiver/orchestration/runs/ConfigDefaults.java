package dev.quiver.orchestration.runs;

import dev.quiver.orchestration.OrchestrationConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/** The function's configuration as it is with nothing set but the given properties, outside a Quarkus test. */
final class ConfigDefaults {

    private ConfigDefaults() {
    }

    static OrchestrationConfig orchestration(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(OrchestrationConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(Map.of("quiver.orchestration.state", "unused"))
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        return config.getConfigMapping(OrchestrationConfig.class);
    }
}
