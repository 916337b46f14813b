package dev.quiver.admission.limit;

import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.plan.Plan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The bucket of one caller under one plan. Its id holds a hash of the caller's key, never the key itself, so an
 * address or subject does not appear in Redis; {@code version} is the plans' version, which makes stored buckets
 * take changed limits.
 */
public record BucketKey(String id, Plan plan, long version) {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    });

    public static BucketKey of(Caller caller, Plan plan, long version) {
        byte[] hash = SHA256.get().digest(caller.key().getBytes(StandardCharsets.UTF_8));
        String digest = Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 22);
        // "tb:": the token-bucket hash of the Redis store's script, apart from the serialized Bucket4j state earlier
        // versions kept under "quiver:ratelimit:<plan>:<digest>", which a rollout leaves to expire
        return new BucketKey("quiver:ratelimit:tb:" + plan.name() + ":" + digest, plan, version);
    }
}
