package dev.quiver.inference.predictionlog;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.testservices.TestKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A real single-node Kafka broker ({@link TestKafka}), and the inference function's prediction log sent to it, with
 * the digits model to predict with.
 */
public class KafkaBroker implements QuarkusTestResourceLifecycleManager {

    static volatile String bootstrapServers;

    private ModelRepositoryFixture repository;

    @Override
    public Map<String, String> start() {
        bootstrapServers = TestKafka.shared().bootstrapServers();
        repository = ModelRepositoryFixture.temporary("quiver-kafka-log").withDigits("digits", 1);
        return Map.of("quiver.model-repository", repository.root().toString(),
                "quiver.inference.prediction-log.enabled", "true",
                "mp.messaging.outgoing.predictions.connector", "smallrye-kafka",
                "kafka.bootstrap.servers", bootstrapServers);
    }

    @Override
    public void stop() {
        ModelRepositoryFixture.delete(repository.root());
    }
}
