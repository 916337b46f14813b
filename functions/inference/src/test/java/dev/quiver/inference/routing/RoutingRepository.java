package dev.quiver.inference.routing;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The repository of the routing and shadow tests. Version k of {@code routed} adds k to its input, so every answer
 * shows which version computed it.
 */
public class RoutingRepository implements QuarkusTestResourceLifecycleManager {

    /** Loop iterations of the slow shadow candidate: tens of milliseconds a run. */
    static final long SLOW_ITERATIONS = 60_000;

    static final String ROUTED_CONFIG = """
            version_policy: {specific: [1, 2]}
            routing:
              aliases: {stable: 1, canary: 2}
              weights: {stable: 50, canary: 50}
              sticky_key: "header:X-User"
            """;

    private ModelRepositoryFixture repository;

    @Override
    public Map<String, String> start() {
        repository = ModelRepositoryFixture.temporary("quiver-routing")
                .withModel("routed", 1, OnnxModels.addConstant(1))
                .withModel("routed", 2, OnnxModels.addConstant(2))
                .withConfig("routed", "config.yaml", ROUTED_CONFIG)
                .withModel("plain", 1, OnnxModels.addConstant(1))
                .withDigits("digits", 1)
                .withDigits("digits", 2)
                .withConfig("digits", "config.yaml", """
                        version_policy: {latest: 2}
                        routing: {weights: {1: 100}, shadow: {version: 2, share: 1}}
                        """)
                .withModel("different", 1, OnnxModels.addConstant(0))
                .withModel("different", 2, OnnxModels.constant(0))
                .withConfig("different", "config.yaml", """
                        version_policy: all
                        routing: {aliases: {stable: 1, candidate: 2}, weights: {stable: 1},
                                  shadow: {version: candidate, share: 1}}
                        """)
                .withModel("regress", 1, OnnxModels.addConstant(1))
                .withModel("regress", 2, OnnxModels.addConstant(3))
                .withConfig("regress", "config.yaml", """
                        version_policy: all
                        routing: {weights: {1: 1}, shadow: {version: 2, share: 1, compare: values}}
                        """)
                .withModel("slowshadow", 1, OnnxModels.addConstant(1))
                .withModel("slowshadow", 2, OnnxModels.slow(SLOW_ITERATIONS))
                .withConfig("slowshadow", "config.yaml", """
                        version_policy: all
                        routing: {weights: {1: 1}, shadow: {version: 2, share: 1, compare: values}}
                        """);
        return Map.of("quiver.model-repository", repository.root().toString(),
                "quiver.inference.poll-interval", "200ms",
                "quiver.inference.shadow.queue", "8");
    }

    @Override
    public void stop() {
        ModelRepositoryFixture.delete(repository.root());
    }
}
