package dev.quiver.inference.monitoring;

import dev.quiver.admission.redis.ResilientRedisConnection;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jboss.logging.Logger;

/**
 * Answers in Redis, which every replica reads: a label joins its answer whichever replica made the prediction and
 * whichever receives the label. A request only puts its answer in a queue (lock-free, bounded: a full queue drops the
 * answer and counts it); every {@value #FLUSH_MILLIS} ms a thread of the store's own sends what waits as
 * {@code SET ... EX} commands, pipelined and written to the socket together, without waiting for their replies, so
 * serving never waits for Redis and pays no network write per request. A label is one script that checks and takes
 * the claim atomically, sent after this replica's waiting answers; another replica's answer is in Redis at most a
 * flush after it was given. The answer and its
 * claim share a hash tag, so they live on one node of a Redis Cluster. Commands fail fast while Redis is away (answers
 * are then not kept, and counted; {@link ResilientRedisConnection}).
 */
final class RedisAnswerStore implements AnswerStore {

    private static final Logger LOG = Logger.getLogger(RedisAnswerStore.class);
    static final String CLAIM = """
            local claimed = redis.call('GET', KEYS[2])
            if claimed then
              if claimed == ARGV[1] then return {'redelivered'} end
              return {'duplicate'}
            end
            local answer = redis.call('GET', KEYS[1])
            if not answer then return {'unmatched'} end
            redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
            return {'matched', answer}
            """;

    static final long FLUSH_MILLIS = 5;
    /** Answers waiting to be sent at most: a Redis slower than the traffic loses answers, never memory. */
    static final int MAX_PENDING = 100_000;

    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("quiver-answers-redis").daemon().factory());
    private final ResilientRedisConnection redis;
    private final Duration ttl;
    private final LongAdder lost = new LongAdder();

    RedisAnswerStore(String redisUri, Duration ttl, Duration commandTimeout, Duration connectTimeout,
                     Duration reconnectInterval) {
        this.ttl = ttl;
        // commands are written when flushed: the answers' in batches, a label's at once
        this.redis = new ResilientRedisConnection(redisUri, commandTimeout, connectTimeout, reconnectInterval,
                "monitoring answers", connection -> connection.setAutoFlushCommands(false));
        flusher.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void remember(String model, String inferenceId, Answer answer) {
        if (pendingCount.incrementAndGet() > MAX_PENDING) {
            pendingCount.decrementAndGet();
            lost.increment();
            return;
        }
        pending.add(new Pending(model, inferenceId, answer));
    }

    /**
     * Sends every answer waiting, in one write to the socket. The flushing thread and labels take turns (requests
     * never wait here), so a label is sent after every answer that was waiting when it came.
     */
    private synchronized void flush() {
        StatefulRedisConnection<String, String> current = redis.current();
        Pending next = pending.poll();
        if (next == null) {
            return;
        }
        SetArgs expiry = SetArgs.Builder.ex(ttl);
        RedisAsyncCommands<String, String> commands = current == null ? null : current.async();
        for (; next != null; next = pending.poll()) {
            pendingCount.decrementAndGet();
            if (commands == null) {
                lost.increment();
                continue;
            }
            commands.set(answerKey(next.model(), next.inferenceId()), next.answer().encode(), expiry)
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            lost.increment();
                            LOG.debugf("monitoring: an answer could not be kept in Redis (%s)", failure.getMessage());
                        }
                    });
        }
        if (current != null) {
            current.flushCommands();
        }
    }

    @Override
    public CompletionStage<LabelMatch> claim(String model, String inferenceId, String labelEvent) {
        StatefulRedisConnection<String, String> current = redis.current();
        if (current == null) {
            return CompletableFuture.failedFuture(redis.notConnected());
        }
        // this replica's answers first: a label that comes within a flush of its answer still finds it
        flush();
        String[] keys = {answerKey(model, inferenceId), claimKey(model, inferenceId)};
        CompletionStage<List<Object>> script = current.async().eval(CLAIM, ScriptOutputType.MULTI, keys, labelEvent,
                Long.toString(Math.max(1, ttl.toSeconds())));
        current.flushCommands();
        return script.thenApply(reply -> switch ((String) reply.getFirst()) {
                    case "matched" -> new LabelMatch(LabelMatch.Outcome.MATCHED, Answer.decode((String) reply.get(1)));
                    case "redelivered" -> LabelMatch.REDELIVERED;
                    case "duplicate" -> LabelMatch.DUPLICATE;
                    default -> LabelMatch.UNMATCHED;
                });
    }

    @Override
    public void release(String model, String inferenceId) {
        StatefulRedisConnection<String, String> current = redis.current();
        if (current != null) {
            current.async().del(claimKey(model, inferenceId));
            current.flushCommands();
        }
    }

    /** Answers not kept because Redis was away, failed, or fell behind. */
    long lost() {
        return lost.sum();
    }

    @Override
    public String where() {
        return "Redis at " + redis.address();
    }

    static String answerKey(String model, String inferenceId) {
        return "quiver:answer:{" + model + ":" + inferenceId + "}";
    }

    private static String claimKey(String model, String inferenceId) {
        return "quiver:label:{" + model + ":" + inferenceId + "}";
    }

    /** An answer waiting to be sent. */
    private record Pending(String model, String inferenceId, Answer answer) {
    }

    @Override
    public void close() {
        flusher.shutdown();
        try {
            flusher.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
        redis.close();
    }
}
