package dev.quiver.inference.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.onnxruntime.OrtEnvironment;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.batching.BatchObserver;
import dev.quiver.inference.deadline.DeadlineTimer;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import dev.quiver.inference.modelconfig.ModelConfig;
import dev.quiver.inference.modelconfig.ModelConfigParser;
import dev.quiver.inference.modelconfig.VersionState;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.runtime.ModelLoadException;
import dev.quiver.inference.runtime.ModelLoader;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The function is not ready while its first pass over the repository is still loading what it found, even once some
 * models are loaded: those are not yet the repository. Later passes keep it ready while a new model loads.
 */
class FirstRepositoryReadTest {

    private final ModelRepositoryFixture repository = ModelRepositoryFixture.temporary("quiver-first-read")
            .withModel("fast", 1, OnnxModels.addConstant(1))
            .withModel("slow", 1, OnnxModels.addConstant(2));
    private final InferenceConfig config = config(repository.root());
    private final GatedLoader loader = new GatedLoader();
    private final RecordingRegistry registry = new RecordingRegistry(config);
    private final ModelRepositoryReconciler reconciler = new ModelRepositoryReconciler(loader, new ModelConfigParser(),
            config, (model, version) -> (items, requests, reason, nanos) -> { }, registry, Clock.systemUTC());

    @AfterEach
    void unload() {
        loader.open();
        reconciler.unloadAll();
        ModelRepositoryFixture.delete(repository.root());
    }

    @Test
    void notReadyUntilTheFirstPassHasLoadedEveryModelItFound() throws Exception {
        loader.hold("slow");
        CompletableFuture<?> firstPass = CompletableFuture.runAsync(this::reconcile);
        await().atMost(Duration.ofSeconds(20)).failFast("the first pass ended", firstPass::isDone)
                .untilAsserted(() -> assertThat(Arrays.asList(state("fast"), state("slow")))
                        .containsExactly(VersionState.READY, VersionState.LOADING));
        assertThat(registry.readiness().ready()).as("one model of two loaded").isFalse();
        assertThat(registry.readiness().problems()).contains(ModelRepositoryReconciler.FIRST_READ,
                "model slow version 1 is loading");

        loader.open();
        firstPass.get();
        assertThat(registry.readiness().ready()).isTrue();
        assertThat(registry.published.subList(0, registry.published.size() - 1)).as("every snapshot the first pass "
                + "published before its end, with fast ready and slow not yet seen among them").isNotEmpty()
                .allMatch(readiness -> !readiness.ready());

        repository.withModel("later", 1, OnnxModels.addConstant(3));
        loader.hold("later");
        // a file is loaded once two passes have seen it unchanged
        reconcile();
        CompletableFuture<?> laterPass = CompletableFuture.runAsync(this::reconcile);
        await().atMost(Duration.ofSeconds(20)).failFast("the later pass ended", laterPass::isDone)
                .untilAsserted(() -> assertThat(state("later")).isEqualTo(VersionState.LOADING));
        assertThat(registry.readiness().problems()).as("a later pass is not the first read")
                .containsExactly("model later version 1 is loading");
        loader.open();
        laterPass.get();
        assertThat(registry.readiness().ready()).isTrue();
    }

    private void reconcile() {
        try {
            reconciler.reconcile(ModelRepositoryScanner.scan(repository.root()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private VersionState state(String model) {
        ModelEntry entry = registry.models().get(model);
        VersionEntry version = entry == null ? null : entry.versions().get(1L);
        return version == null ? null : version.state();
    }

    private static InferenceConfig config(Path root) {
        SmallRyeConfig built = new SmallRyeConfigBuilder().withMapping(InferenceConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withDefaultValue("quiver.model-repository", root.toString()).build();
        return built.getConfigMapping(InferenceConfig.class);
    }

    /** The registry, keeping the readiness of every snapshot published. */
    private static final class RecordingRegistry extends ModelRegistry {

        private final List<Readiness> published = new CopyOnWriteArrayList<>();

        RecordingRegistry(InferenceConfig config) {
            super(config);
        }

        @Override
        void publish(Map<String, ModelEntry> snapshot, Optional<String> problem) {
            super.publish(snapshot, problem);
            published.add(readiness());
        }
    }

    /** The real loader, made to wait before loading the models it is told to hold. */
    private static final class GatedLoader extends ModelLoader {

        private final Set<String> held = ConcurrentHashMap.newKeySet();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        GatedLoader() {
            super(OrtEnvironment.getEnvironment(), new DeadlineTimer());
        }

        void hold(String model) {
            held.add(model);
            gate = new CountDownLatch(1);
        }

        void open() {
            held.clear();
            gate.countDown();
        }

        @Override
        public LoadedModel load(String name, long version, Path modelFile, ModelConfig config, BatchObserver observer)
                throws ModelLoadException {
            if (held.contains(name)) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return super.load(name, version, modelFile, config, observer);
        }
    }
}
