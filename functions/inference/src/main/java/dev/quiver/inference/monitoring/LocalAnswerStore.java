package dev.quiver.inference.monitoring;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers in this process (Caffeine, bounded in count and time): a label joins only on the replica that answered,
 * so this suits one replica; several replicas share Redis ({@link RedisAnswerStore}).
 */
final class LocalAnswerStore implements AnswerStore {

    private final Cache<String, Answer> answers;
    private final Cache<String, String> claims;

    LocalAnswerStore(long maxAnswers, Duration ttl) {
        this.answers = cache(maxAnswers, ttl);
        this.claims = cache(maxAnswers, ttl);
    }

    /**
     * Eviction and expiry run on the thread that writes, a little at a time: handing them to another pool, Caffeine's
     * default, would wake a thread for nearly every request served.
     */
    private static <V> Cache<String, V> cache(long maxAnswers, Duration ttl) {
        return Caffeine.newBuilder().maximumSize(maxAnswers).expireAfterWrite(ttl).executor(Runnable::run).build();
    }

    @Override
    public void remember(String model, String inferenceId, Answer answer) {
        answers.put(key(model, inferenceId), answer);
    }

    @Override
    public CompletionStage<LabelMatch> claim(String model, String inferenceId, String labelEvent) {
        String key = key(model, inferenceId);
        Answer answer = answers.getIfPresent(key);
        if (answer == null) {
            return CompletableFuture.completedFuture(labelEvent.equals(claims.getIfPresent(key))
                    ? LabelMatch.REDELIVERED : LabelMatch.UNMATCHED);
        }
        String claimed = claims.asMap().putIfAbsent(key, labelEvent);
        if (claimed != null) {
            return CompletableFuture.completedFuture(claimed.equals(labelEvent) ? LabelMatch.REDELIVERED
                    : LabelMatch.DUPLICATE);
        }
        return CompletableFuture.completedFuture(new LabelMatch(LabelMatch.Outcome.MATCHED, answer));
    }

    @Override
    public void release(String model, String inferenceId) {
        claims.invalidate(key(model, inferenceId));
    }

    @Override
    public String where() {
        return "in process";
    }

    @Override
    public void close() {
        answers.invalidateAll();
        claims.invalidateAll();
    }

    private static String key(String model, String inferenceId) {
        return model + '\u0000' + inferenceId;
    }
}
