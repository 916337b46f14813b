package dev.quiver.inference.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class ShadowQueueTest {

    @Test
    void theModelsTakeTurnsWhateverOrderTheirCopiesCameIn() throws InterruptedException {
        ShadowQueue queue = new ShadowQueue(8);
        List<String> ran = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            offer(queue, "slow", "slow-" + i, ran);
        }
        offer(queue, "fast", "fast-1", ran);
        offer(queue, "fast", "fast-2", ran);
        offer(queue, "other", "other-1", ran);
        for (int i = 0; i < 7; i++) {
            queue.take().run();
        }
        assertThat(ran).containsExactly("slow-1", "fast-1", "other-1", "slow-2", "fast-2", "slow-3", "slow-4");
    }

    @Test
    void aFullLineRefusesOnlyItsOwnModelsCopies() throws InterruptedException {
        ShadowQueue queue = new ShadowQueue(2);
        List<String> ran = new ArrayList<>();
        assertThat(offer(queue, "slow", "slow-1", ran)).isTrue();
        assertThat(offer(queue, "slow", "slow-2", ran)).isTrue();
        assertThat(offer(queue, "slow", "slow-3", ran)).as("the slow model's line is full").isFalse();
        assertThat(offer(queue, "fast", "fast-1", ran)).isTrue();
        assertThat(offer(queue, "fast", "fast-2", ran)).isTrue();
        queue.take().run();
        assertThat(offer(queue, "slow", "slow-4", ran)).as("a copy taken makes room in its line").isTrue();
        for (int i = 0; i < 4; i++) {
            queue.take().run();
        }
        assertThat(ran).containsExactly("slow-1", "fast-1", "slow-2", "fast-2", "slow-4");
    }

    @Test
    void aThreadWaitsForTheNextCopy() throws Exception {
        ShadowQueue queue = new ShadowQueue(1);
        CompletableFuture<Runnable> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> taken.get(100, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        Runnable copy = () -> { };
        assertThat(queue.offer("digits", copy)).isTrue();
        assertThat(taken.get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)).isSameAs(copy);
    }

    @Test
    void aQueueWithoutRoomIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new ShadowQueue(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("quiver.inference.shadow.queue: expected at least 1, got 0");
    }

    private static boolean offer(ShadowQueue queue, String model, String name, List<String> ran) {
        return queue.offer(model, () -> ran.add(name));
    }
}
