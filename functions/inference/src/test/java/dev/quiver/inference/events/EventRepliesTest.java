package dev.quiver.inference.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventRepliesTest {

    private final EventReplies replies = new EventReplies();

    @Test
    void aRedeliveredEventGetsTheFirstReplyWithoutRunningAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CloudEvent first = replies.once("/s", "1", () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(reply("r1"));
        }).get(1, TimeUnit.SECONDS);
        CloudEvent again = replies.once("/s", "1", () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(reply("r2"));
        }).get(1, TimeUnit.SECONDS);

        assertThat(again.getId()).isEqualTo(first.getId()).isEqualTo("r1");
        assertThat(runs).hasValue(1);
    }

    @Test
    void aReplyThatThrowsBeforeItStartsFailsThisDeliveryAndTheRedeliveryRunsAgain() throws Exception {
        CompletableFuture<CloudEvent> failed = replies.once("/s", "2", () -> {
            throw new IllegalStateException("model store unreachable");
        });
        assertThatThrownBy(() -> failed.get(1, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage("model store unreachable");

        CloudEvent retried = replies.once("/s", "2", () -> CompletableFuture.completedFuture(reply("r3")))
                .get(1, TimeUnit.SECONDS);
        assertThat(retried.getId()).isEqualTo("r3");
    }

    private static CloudEvent reply(String id) {
        return CloudEventBuilder.v1().withId(id).withSource(URI.create("/quiver")).withType("t").build();
    }
}
