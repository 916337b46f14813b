package dev.quiver.inference.events;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cloudevents.CloudEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The replies given lately, by request {@code source} and {@code id}: a redelivered event (the broker retries when an
 * acknowledgement is lost) gets the reply the first delivery got, and a delivery that arrives while the first is
 * still running waits for it instead of running twice. A failure that may pass (a 5xx) is not remembered, so that
 * the retry runs.
 */
@ApplicationScoped
public class EventReplies {

    private final Cache<String, CompletableFuture<CloudEvent>> replies = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(30))
            .build();

    public CompletableFuture<CloudEvent> once(String source, String id, Supplier<CompletableFuture<CloudEvent>> reply) {
        String key = source + '\u0000' + id;
        CompletableFuture<CloudEvent> created = new CompletableFuture<>();
        CompletableFuture<CloudEvent> existing = replies.asMap().putIfAbsent(key, created);
        if (existing != null) {
            return existing;
        }
        CompletableFuture<CloudEvent> running;
        try {
            running = reply.get();
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        running.whenComplete((event, failure) -> {
            if (failure != null) {
                replies.asMap().remove(key, created);
                created.completeExceptionally(failure);
            } else {
                created.complete(event);
            }
        });
        return created;
    }
}
