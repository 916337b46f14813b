package dev.quiver.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.events.EventTypes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The event graph of the base: every type a function takes reaches it through a Trigger at the path that takes it,
 * every Trigger points at a Service and path that exist, and every delivery ends, after bounded exponential retries,
 * at the dead-letter sink.
 */
class EventRoutingTest {

    private static final String INFERENCE = "quiver-inference";
    private static final String ORCHESTRATION = "quiver-orchestration";

    /** Service, path and the types taken there, as the README's event tables list them. */
    private static final Map<String, Set<String>> TAKES = Map.of(
            INFERENCE + " /", Set.of(EventTypes.INFERENCE_REQUESTED, EventTypes.INFERENCE_LABEL),
            INFERENCE + " /storage-notifications", Set.of("google.cloud.storage.object.v1.finalized",
                    "dev.knative.connector.event.aws-sqs", EventTypes.INFERENCE_SHARD_REQUESTED),
            ORCHESTRATION + " /", Set.of(EventTypes.PIPELINE_RUN_REQUESTED, EventTypes.RUN_CONTROL_REQUESTED,
                    EventTypes.STEP_COMPLETED, EventTypes.STEP_FAILED, EventTypes.STEP_HEARTBEAT,
                    EventTypes.SERVING_DEMAND_REPORTED, EventTypes.SCHEDULER_TICK, EventTypes.PING_SOURCE_TICK),
            ORCHESTRATION + " /dead-letters", Set.of());

    static Stream<Manifest> triggers() {
        return ManifestFiles.base().stream().filter(manifest -> manifest.kind().equals("Trigger"));
    }

    @Test
    void everyTypeAFunctionTakesHasATriggerToThePathThatTakesIt() {
        Map<String, String> routes = triggers().collect(Collectors.toMap(
                trigger -> trigger.document().at("/spec/filter/attributes/type").asText(), EventRoutingTest::route));

        TAKES.forEach((route, types) -> types.forEach(type ->
                assertThat(routes).as("a Trigger for %s", type).containsEntry(type, route)));
        assertThat(routes).as("every Trigger's type is one a function takes there")
                .allSatisfy((type, route) -> assertThat(TAKES.get(route)).contains(type));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("triggers")
    void pointsAtAServiceOfTheBaseOnTheBroker(Manifest trigger) {
        JsonNode spec = trigger.document().path("spec");

        assertThat(spec.path("broker").asText()).as("%s: spec.broker", trigger).isEqualTo(broker());
        assertThat(services()).as("%s: spec.subscriber.ref", trigger)
                .contains(spec.at("/subscriber/ref/name").asText());
        assertThat(TAKES).as("%s: spec.subscriber: a path its Service takes", trigger).containsKey(route(trigger));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("triggers")
    void hasABoundedDeliveryPolicyEndingAtTheDeadLetterSink(Manifest trigger) {
        JsonNode delivery = trigger.document().at("/spec/delivery");

        assertThat(delivery.path("retry").asInt(-1)).as("%s: spec.delivery.retry", trigger).isBetween(1, 10);
        assertThat(delivery.path("backoffPolicy").asText()).as("%s: backoffPolicy", trigger).isEqualTo("exponential");
        assertThat(Duration.parse(delivery.path("backoffDelay").asText()))
                .as("%s: backoffDelay", trigger).isPositive();
        assertThat(Duration.parse(delivery.path("timeout").asText())).as("%s: timeout", trigger).isPositive();
        JsonNode sink = delivery.path("deadLetterSink");
        assertThat(sink.at("/ref/kind").asText() + " " + sink.at("/ref/name").asText() + " " + sink.path("uri")
                .asText()).as("%s: deadLetterSink", trigger).isEqualTo("Service " + ORCHESTRATION + " /dead-letters");
    }

    @Test
    void theSourcesAndTheFunctionsSendToTheBroker() {
        List<Manifest> senders = ManifestFiles.all().stream()
                .filter(manifest -> Set.of("PingSource", "SinkBinding", "IntegrationSource").contains(manifest.kind()))
                .toList();

        assertThat(senders).extracting(Manifest::kind).contains("PingSource", "SinkBinding", "IntegrationSource");
        assertThat(senders).allSatisfy(sender -> assertThat(sender.document().at("/spec/sink/ref/kind").asText() + " "
                + sender.document().at("/spec/sink/ref/name").asText()).as("%s: spec.sink", sender)
                .isEqualTo("Broker " + broker()));
        assertThat(senders).filteredOn(sender -> sender.kind().equals("SinkBinding"))
                .extracting(binding -> binding.document().at("/spec/subject/name").asText())
                .containsExactlyInAnyOrder(ORCHESTRATION, INFERENCE);
    }

    @Test
    void theOrchestrationFunctionRunsOnPostgresqlWithTicksFromThePingSource() {
        Map<String, String> env = ManifestFiles.base().stream()
                .filter(manifest -> manifest.kind().equals("Service") && manifest.name().equals(ORCHESTRATION))
                .flatMap(service -> Stream.of(service.document().at("/spec/template/spec/containers/0/env")))
                .flatMap(list -> list.valueStream())
                .filter(entry -> entry.has("value"))
                .collect(Collectors.toMap(entry -> entry.path("name").asText(), entry -> entry.path("value").asText()));

        assertThat(env).containsEntry("QUARKUS_PROFILE", "prod,postgresql")
                .containsEntry("QUIVER_ORCHESTRATION_INTERNAL_TICKS", "false");
    }

    private static String route(Manifest trigger) {
        JsonNode subscriber = trigger.document().at("/spec/subscriber");
        String uri = subscriber.path("uri").asText("");
        return subscriber.at("/ref/name").asText() + " " + (uri.isEmpty() ? "/" : uri);
    }

    private static Set<String> services() {
        return ManifestFiles.base().stream().filter(manifest -> manifest.kind().equals("Service"))
                .map(Manifest::name).collect(Collectors.toSet());
    }

    private static String broker() {
        return ManifestFiles.base().stream().filter(manifest -> manifest.kind().equals("Broker")).map(Manifest::name)
                .findFirst().orElseThrow(() -> new AssertionError("base: no Broker"));
    }
}
