package dev.quiver.testservices;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;

/**
 * The Kafka broker of the test run: a real single-node KRaft broker from the broker's own jars on Maven Central, in the
 * test JVM on free ports, started once per JVM and stopped when it exits. No configured broker is looked for: a
 * developer machine has none to prefer. Tests keep apart in topics of their own.
 */
public final class TestKafka {

    private static TestKafka shared;

    private final String bootstrapServers;

    private TestKafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The broker of this JVM's tests, started at the first call. */
    public static synchronized TestKafka shared() {
        if (shared == null) {
            shared = new TestKafka(JvmWide.once("dev.quiver.testservices.kafka", TestKafka::start));
        }
        return shared;
    }

    private static String start() {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker().withDeleteLogDirsOnClose(true).start();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "test-kafka-stop"));
        ServiceReport.say("started a Kafka broker at %s", broker.getAdvertisedListeners());
        return broker.getAdvertisedListeners();
    }

    /** The broker's address for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }
}
