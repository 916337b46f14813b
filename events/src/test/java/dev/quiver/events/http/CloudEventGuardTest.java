package dev.quiver.events.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.pipeline.StepFailed;
import io.cloudevents.CloudEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The one door of the functions' CloudEvent endpoints, on the headers and bodies a request brings: both modes, the
 * types from the catalog, and each way an event's data can fail to be JSON named by its field. The endpoints' own
 * tests send the same over real HTTP.
 */
class CloudEventGuardTest {

    private static final String FAILED = "{\"runId\":\"r\",\"instance\":\"train\",\"attempt\":1,"
            + "\"errorClass\":\"NetworkError\"}";

    private final CloudEventGuard guard = new CloudEventGuard(List.of(EventTypes.STEP_FAILED,
            EventTypes.SCHEDULER_TICK));

    @Test
    void anEventWrittenInEitherModeIsReadBackWithItsAttributesExtensionsAndData() {
        EventCodec codec = new EventCodec(Clock.systemUTC());
        CloudEvent sent = codec.encode("event-1", EventTypes.STEP_FAILED, URI.create("/executors/test"), "train",
                new StepFailed("r", "train", 2, "NetworkError", null, false, "reset"),
                Map.of(CorrelationExtensions.RUN_ID, "r", CorrelationExtensions.ATTEMPT, "2"));
        for (CloudEventHttp.Mode mode : CloudEventHttp.Mode.values()) {
            Map<String, String> headers = new LinkedHashMap<>();
            AtomicReference<byte[]> body = new AtomicReference<>();
            CloudEventHttp.write(sent, mode, headers::put, body::set);

            ReceivedEvent received = guard.admit(headers::forEach, body.get());

            assertThat(received.mode()).isEqualTo(mode);
            CloudEvent event = received.event();
            assertThat(event.getId()).isEqualTo("event-1");
            assertThat(event.getSource()).isEqualTo(URI.create("/executors/test"));
            assertThat(event.getSubject()).isEqualTo("train");
            assertThat(event.getTime()).isEqualTo(sent.getTime());
            assertThat(event.getExtension(CorrelationExtensions.RUN_ID)).isEqualTo("r");
            assertThat(event.getExtension(CorrelationExtensions.ATTEMPT)).isEqualTo("2");
            assertThat(codec.decode(event, StepFailed.class).message()).isEqualTo("reset");
        }
    }

    @Test
    void theTypesLetThroughAreTheConsumedCatalogTypesAndARefusalNamesThem() {
        assertThat(guard.types()).containsExactly(EventTypes.SCHEDULER_TICK, EventTypes.STEP_FAILED);
        assertRefused(binary("com.example.other", "application/json", "{}"),
                "CloudEvent: no function takes events of type 'com.example.other'; this function takes "
                        + "dev.quiver.scheduler.tick, dev.quiver.step.failed");
        assertThatIllegalArgumentException().isThrownBy(() -> new CloudEventGuard(List.of("com.example.other")))
                .withMessageContaining("com.example.other is not in the event catalog");
    }

    @Test
    void dataThatIsNotJsonIsRefusedNamingTheField() {
        assertRefused(binary(EventTypes.STEP_FAILED, "text/plain", "hello"),
                "Content-Type: expected application/json for the event's data, got text/plain");
        assertRefused(binary(EventTypes.STEP_FAILED, "application/octet-stream", "\u0000\u0001"),
                "Content-Type: expected application/json for the event's data, got application/octet-stream");
        assertRefused(binary(EventTypes.STEP_FAILED, null, FAILED),
                "Content-Type: expected application/json for the event's data, got none");
        assertRefused(binary(EventTypes.STEP_FAILED, "application/json", "{\"runId\":"),
                "data: not valid JSON");
        assertRefused(binary(EventTypes.STEP_FAILED, "application/json", "{\"runId\":\"a\",\"runId\":\"b\"}"),
                "data: not valid JSON (Duplicate field 'runId')");
        assertRefused(binary(EventTypes.STEP_FAILED, "application/json", FAILED + " {}"), "data: not valid JSON");
        assertRefused(structured("\"datacontenttype\":\"application/xml\",\"data\":\"<failed/>\""),
                "datacontenttype: expected application/json for the event's data, got application/xml");
        assertRefused(structured("\"data_base64\":\"!!not base64\""), "data_base64: expected the data in base64");
        assertRefused(structured("\"data_base64\":42"), "data_base64: expected the data in base64 (not a string)");
        assertRefused(structured("\"data_base64\":\"aGVsbG8=\""),
                "datacontenttype: expected application/json for the event's data, got none");
        assertRefused(structured("\"datacontenttype\":\"application/json\",\"data_base64\":\"aGVsbG8=\""),
                "data_base64: not valid JSON");
    }

    @Test
    void jsonDataArrivesParsedInEitherModeAndAnEventMayHaveNone() {
        String base64 = java.util.Base64.getEncoder().encodeToString(FAILED.getBytes(StandardCharsets.UTF_8));
        Request shouted = structured("\"data\":" + FAILED);
        shouted.headers().put("Content-Type", "Application/CloudEvents+JSON; charset=UTF-8");
        for (Request request : List.of(binary(EventTypes.STEP_FAILED, "application/json; charset=utf-8", FAILED),
                binary(EventTypes.STEP_FAILED, "Application/JSON", FAILED), shouted,
                structured("\"data\":" + FAILED),
                structured("\"datacontenttype\":\"application/json\",\"data_base64\":\"" + base64 + "\""))) {
            ReceivedEvent received = guard.admit(request.headers()::forEach, request.body());
            assertThat(received.data().path("errorClass").asText()).isEqualTo("NetworkError");
        }
        ReceivedEvent tick = guard.admit(binary(EventTypes.SCHEDULER_TICK, null, "").headers()::forEach, new byte[0]);
        assertThat(tick.data()).isNull();
    }

    @Test
    void whatIsNoCloudEvent10IsRefusedNamingTheAttribute() {
        assertRefused(new Request(Map.of("Content-Type", "application/json"), bytes(FAILED)),
                "expected a CloudEvent, in binary mode");
        Request noId = binary(EventTypes.STEP_FAILED, "application/json", FAILED);
        noId.headers().remove("ce-id");
        noId.headers().remove("ce-source");
        assertRefused(noId, "CloudEvent: missing required attribute(s) ce-id, ce-source");
        Request oldVersion = binary(EventTypes.STEP_FAILED, "application/json", FAILED);
        oldVersion.headers().put("ce-specversion", "0.3");
        assertRefused(oldVersion, "CloudEvent: specversion '0.3' is not supported; expected 1.0");
        Request badTime = binary(EventTypes.STEP_FAILED, "application/json", FAILED);
        badTime.headers().put("ce-time", "yesterday");
        assertRefused(badTime, "\"time\"");
        assertRefused(new Request(Map.of("Content-Type", "application/cloudevents+json"), bytes("{\"specversion\":")),
                "structured CloudEvent: expected a JSON object");
        assertRefused(new Request(Map.of("Content-Type", "application/cloudevents+json"), bytes(
                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"data\":{}}")),
                "CloudEvent: missing required attribute(s) type");
        assertRefused(new Request(Map.of("Content-Type", "application/cloudevents-batch+json"), bytes("[]")),
                "Content-Type: expected application/cloudevents+json (one event per request)");
    }

    private void assertRefused(Request request, String problem) {
        assertThatThrownBy(() -> guard.admit(request.headers()::forEach, request.body()))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining(problem);
    }

    private static Request binary(String type, String contentType, String body) {
        Map<String, String> headers = new LinkedHashMap<>(Map.of("ce-specversion", "1.0", "ce-id", "1",
                "ce-source", "/tests", "ce-type", type));
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        return new Request(headers, bytes(body));
    }

    private static Request structured(String dataMembers) {
        return new Request(new LinkedHashMap<>(Map.of("Content-Type", "application/cloudevents+json")), bytes("{\"specversion\":\"1.0\","
                + "\"id\":\"1\",\"source\":\"/tests\",\"type\":\"" + EventTypes.STEP_FAILED + "\"," + dataMembers
                + "}"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private record Request(Map<String, String> headers, byte[] body) {
    }
}
