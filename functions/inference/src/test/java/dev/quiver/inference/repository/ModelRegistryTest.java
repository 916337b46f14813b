package dev.quiver.inference.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.demand.DemandConfig;
import dev.quiver.inference.monitoring.MonitoringConfig;
import dev.quiver.inference.modelconfig.VersionPolicy;
import dev.quiver.inference.modelconfig.VersionState;
import io.quarkus.runtime.configuration.MemorySize;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {

    private final ModelRegistry registry = new ModelRegistry(new Settings());

    @Test
    void notReadyUntilTheRepositoryHasBeenRead() {
        assertThat(registry.readiness().ready()).isFalse();
        assertThat(registry.readiness().problems()).containsExactly("the model repository has not been read yet");
        registry.publish(Map.of(), Optional.empty());
        assertThat(registry.readiness().ready()).isTrue();
    }

    @Test
    void notReadyWhileAVersionLoads() {
        TreeMap<Long, VersionEntry> versions = new TreeMap<>();
        versions.put(1L, new VersionEntry(1, VersionState.LOADING, true, null, null,
                new FileStamp(1, 1, "k"), Instant.EPOCH, VersionHistory.none()));
        registry.publish(Map.of("m", new ModelEntry("m", new VersionPolicy.Latest(1), versions, Optional.empty(),
                Optional.empty())), Optional.empty());
        assertThat(registry.readiness().problems()).containsExactly("model m version 1 is loading");
        assertThatThrownBy(() -> registry.acquire("m", Optional.empty()))
                .isInstanceOf(InferenceException.class)
                .hasMessage("model m version 1 is loading")
                .satisfies(e -> assertThat(((InferenceException) e).retryAfter()).contains(Duration.ofSeconds(5)));
    }

    @Test
    void anUnreadableRepositoryIsReported() {
        registry.publish(Map.of(), Optional.of("the model repository /nowhere cannot be read"));
        assertThat(registry.readiness().ready()).isFalse();
        assertThat(registry.readiness().problems()).containsExactly("the model repository /nowhere cannot be read");
    }

    private static final class Settings implements InferenceConfig {
        @Override
        public String modelRepository() {
            return "models";
        }

        @Override
        public Inference inference() {
            return new Inference() {
                @Override
                public Duration pollInterval() {
                    return Duration.ofSeconds(2);
                }

                @Override
                public MemorySize maxRequestSize() {
                    return new MemorySize(java.math.BigInteger.valueOf(1 << 20));
                }

                @Override
                public MemorySize maxUriLength() {
                    return new MemorySize(java.math.BigInteger.valueOf(8192));
                }

                @Override
                public MemorySize maxHeaderSize() {
                    return new MemorySize(java.math.BigInteger.valueOf(20480));
                }

                @Override
                public Path repositoryCache() {
                    return Path.of("cache");
                }

                @Override
                public Duration notReadyRetryAfter() {
                    return Duration.ofSeconds(5);
                }

                @Override
                public Duration timeout() {
                    return Duration.ofSeconds(30);
                }

                @Override
                public Batching batching() {
                    return null;
                }

                @Override
                public OutputChecks outputChecks() {
                    return null;
                }

                @Override
                public PredictionLog predictionLog() {
                    return null;
                }

                @Override
                public DemandConfig demand() {
                    return null;
                }

                @Override
                public MonitoringConfig monitoring() {
                    return null;
                }

                @Override
                public Rollout rollout() {
                    return null;
                }

                @Override
                public Optional<URI> alertSink() {
                    return Optional.empty();
                }

                @Override
                public Drift drift() {
                    return null;
                }

                @Override
                public GoldenSet goldenSet() {
                    return null;
                }

                @Override
                public InferenceConfig.Shadow shadow() {
                    return null;
                }
            };
        }

        @Override
        public Storage storage() {
            return null;
        }

        @Override
        public Pool pool() {
            return Optional::empty;
        }

        @Override
        public Batch batch() {
            return null;
        }
    }
}
