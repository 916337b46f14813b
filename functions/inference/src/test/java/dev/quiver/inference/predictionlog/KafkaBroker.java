package dev.quiver.inference.predictionlog;

import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.util.Map;

/**
 * A real single-node Kafka broker (KRaft, the broker's own jars from Maven Central, run in the test JVM) on free
 * ports, and the inference function's prediction log sent to it, with the digits model to predict with.
 */
public class KafkaBroker implements QuarkusTestResourceLifecycleManager {

    static volatile String bootstrapServers;

    private EmbeddedKafkaBroker broker;
    private ModelRepositoryFixture repository;

    @Override
    public Map<String, String> start() {
        broker = new EmbeddedKafkaBroker().withDeleteLogDirsOnClose(true).start();
        bootstrapServers = broker.getAdvertisedListeners();
        repository = ModelRepositoryFixture.temporary("quiver-kafka-log").withDigits("digits", 1);
        return Map.of("quiver.model-repository", repository.root().toString(),
                "quiver.inference.prediction-log.enabled", "true",
                "mp.messaging.outgoing.predictions.connector", "smallrye-kafka",
                "kafka.bootstrap.servers", bootstrapServers);
    }

    @Override
    public void stop() {
        broker.close();
        ModelRepositoryFixture.delete(repository.root());
    }
}
