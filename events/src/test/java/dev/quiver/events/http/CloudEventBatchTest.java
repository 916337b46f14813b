package dev.quiver.events.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.events.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloudEventBatchTest {

    @Test
    void aBatchIsReadEventByEventWithJsonData() {
        String batch = """
                [{"specversion":"1.0","id":"a","source":"/s","type":"t.one","data":{"n":1}},
                 {"specversion":"1.0","id":"b","source":"/s","type":"t.two","datacontenttype":"application/json",
                  "data":{"n":2}}]""";
        List<ReceivedEvent> events = CloudEventHttp.readBatch(batch.getBytes(StandardCharsets.UTF_8));
        assertThat(events).extracting(event -> event.event().getType()).containsExactly("t.one", "t.two");
        assertThat(events.get(1).requireJsonData().data().get("n").asInt()).isEqualTo(2);
        assertThat(events).allSatisfy(event -> assertThat(event.mode()).isEqualTo(CloudEventHttp.Mode.STRUCTURED));
    }

    @Test
    void aBadBatchNamesTheEventAtFault() {
        assertThatThrownBy(() -> CloudEventHttp.readBatch("{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("expected a JSON array");
        assertThatThrownBy(() -> CloudEventHttp.readBatch("""
                [{"specversion":"1.0","id":"a","source":"/s","type":"t"},{"specversion":"1.0","id":"b"}]"""
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("[1]: ").hasMessageContaining("source");
        assertThat(CloudEventHttp.isBatch("application/cloudevents-batch+json; charset=utf-8")).isTrue();
        assertThat(CloudEventHttp.isBatch("application/cloudevents+json")).isFalse();
    }

    @Test
    void aDuplicateKeyInABatchOrAStructuredEventIsRefusedNotDropped() {
        assertThatThrownBy(() -> CloudEventHttp.readBatch("""
                [{"specversion":"1.0","id":"a","source":"/s","type":"t","data":{"model":"a","model":"b"}}]"""
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("Duplicate field 'model'");
        byte[] structured = """
                {"specversion":"1.0","id":"a","id":"b","source":"/s","type":"t"}""".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CloudEventHttp.read(
                header -> header.accept("Content-Type", "application/cloudevents+json"), structured))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("Duplicate field 'id'");
    }

    @Test
    void aStructuredEventIsReadWhateverTheCaseOfItsMediaType() {
        byte[] structured = """
                {"specversion":"1.0","id":"a","source":"/s","type":"t","data":{"n":3}}"""
                .getBytes(StandardCharsets.UTF_8);
        ReceivedEvent event = CloudEventHttp.read(
                header -> header.accept("content-type", "Application/CloudEvents+JSON; charset=UTF-8"), structured);
        assertThat(event.mode()).isEqualTo(CloudEventHttp.Mode.STRUCTURED);
        assertThat(event.requireJsonData().data().get("n").asInt()).isEqualTo(3);
    }
}
