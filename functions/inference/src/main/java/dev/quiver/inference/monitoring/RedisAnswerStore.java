package dev.quiver.inference.monitoring;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jboss.logging.Logger;

/**
 * Answers in Redis, which every replica reads: a label joins its answer whichever replica made the prediction and
 * whichever receives the label. Keeping an answer is one {@code SET ... EX} sent without waiting for the reply, so
 * serving never waits for Redis; a label is one script that checks and takes the claim atomically. The answer and its
 * claim share a hash tag, so they live on one node of a Redis Cluster. Commands fail fast while Redis is away (answers
 * are then not kept, and counted); a connection that cannot be made is tried again every {@code reconnectInterval}.
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

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration ttl;
    private final Duration reconnectInterval;
    private final LongAdder lost = new LongAdder();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    private volatile boolean reportedFailure;

    RedisAnswerStore(String redisUri, Duration ttl, Duration commandTimeout, Duration connectTimeout,
                     Duration reconnectInterval) {
        this.uri = RedisURI.create(redisUri);
        this.uri.setTimeout(connectTimeout);
        this.ttl = ttl;
        this.reconnectInterval = reconnectInterval;
        this.client = RedisClient.create();
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        connect();
    }

    @Override
    public void remember(String model, String inferenceId, Answer answer) {
        StatefulRedisConnection<String, String> current = connection;
        if (current == null) {
            lost.increment();
            return;
        }
        current.async().set(answerKey(model, inferenceId), answer.encode(), SetArgs.Builder.ex(ttl))
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        lost.increment();
                        LOG.debugf("monitoring: an answer could not be kept in Redis (%s)", failure.getMessage());
                    }
                });
    }

    @Override
    public CompletionStage<LabelMatch> claim(String model, String inferenceId, String labelEvent) {
        StatefulRedisConnection<String, String> current = connection;
        if (current == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis at " + uri.getHost() + ":"
                    + uri.getPort() + " is not connected"));
        }
        String[] keys = {answerKey(model, inferenceId), claimKey(model, inferenceId)};
        return current.async().<List<Object>>eval(CLAIM, ScriptOutputType.MULTI, keys, labelEvent,
                Long.toString(Math.max(1, ttl.toSeconds()))).thenApply(reply -> switch ((String) reply.getFirst()) {
                    case "matched" -> new LabelMatch(LabelMatch.Outcome.MATCHED, Answer.decode((String) reply.get(1)));
                    case "redelivered" -> LabelMatch.REDELIVERED;
                    case "duplicate" -> LabelMatch.DUPLICATE;
                    default -> LabelMatch.UNMATCHED;
                });
    }

    @Override
    public void release(String model, String inferenceId) {
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            current.async().del(claimKey(model, inferenceId));
        }
    }

    /** Answers not kept because Redis was away or failed. */
    long lost() {
        return lost.sum();
    }

    @Override
    public String where() {
        return "Redis at " + uri.getHost() + ":" + uri.getPort();
    }

    static String answerKey(String model, String inferenceId) {
        return "quiver:answer:{" + model + ":" + inferenceId + "}";
    }

    private static String claimKey(String model, String inferenceId) {
        return "quiver:label:{" + model + ":" + inferenceId + "}";
    }

    private void connect() {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((opened, failure) -> {
            if (failure != null) {
                if (!reportedFailure) {
                    reportedFailure = true;
                    LOG.warnf("monitoring: cannot connect to Redis at %s:%d (%s); answers are not kept for labels "
                            + "until it can, trying again every %s", uri.getHost(), uri.getPort(),
                            failure.getMessage(), reconnectInterval);
                }
                if (!closed) {
                    client.getResources().eventExecutorGroup().schedule(this::connect, reconnectInterval.toNanos(),
                            TimeUnit.NANOSECONDS);
                }
                return;
            }
            if (closed) {
                opened.close();
                return;
            }
            connection = opened;
            LOG.infof("monitoring: answers wait for their labels in Redis at %s:%d", uri.getHost(), uri.getPort());
        });
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
