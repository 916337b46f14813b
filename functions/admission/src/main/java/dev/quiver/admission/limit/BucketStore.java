package dev.quiver.admission.limit;

import java.util.concurrent.CompletableFuture;

/** Where token buckets live: in this process, or in Redis shared by every replica. */
public interface BucketStore extends AutoCloseable {

    /** Takes {@code tokens} from the bucket if all its limits have them; never blocks the calling thread. */
    CompletableFuture<Quota> consume(BucketKey key, long tokens);

    /** Gives back tokens taken for a request that was then not served through no fault of the caller. */
    void refund(BucketKey key, long tokens);

    @Override
    default void close() {
    }
}
