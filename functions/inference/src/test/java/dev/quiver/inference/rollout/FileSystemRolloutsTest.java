package dev.quiver.inference.rollout;

import dev.quiver.storage.FileSystemObjectStore;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.StoredObject;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts in a model repository folder. The two replicas tick on two threads, and when they
 * judge at once each one's write of the rollout's
 * state waits until the other's is about to be made too: both have read the same state and judged the same step, and
 * the store must keep exactly one decision.
 */
class FileSystemRolloutsTest extends RolloutsContract {

    @TempDir
    Path repository;

    private final CyclicBarrier writers = new CyclicBarrier(2);
    private final AtomicBoolean racing = new AtomicBoolean();

    @Override
    ObjectStore openStore() {
        return new RacingWrites(new FileSystemObjectStore(repository), writers, racing);
    }

    @Override
    List<Verdict.Decision> ticksAtOnce(Replica a, Replica b) throws Exception {
        racing.set(true);
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            Future<Optional<Verdict.Decision>> first = threads.submit(() -> a.rollouts().tick(MODEL));
            Future<Optional<Verdict.Decision>> second = threads.submit(() -> b.rollouts().tick(MODEL));
            List<Verdict.Decision> decided = new ArrayList<>();
            first.get(30, TimeUnit.SECONDS).ifPresent(decided::add);
            second.get(30, TimeUnit.SECONDS).ifPresent(decided::add);
            return decided;
        } finally {
            racing.set(false);
        }
    }

    /** The folder store, whose replacements of a rollout's state meet at a barrier of two writers. */
    private record RacingWrites(ObjectStore store, CyclicBarrier writers, AtomicBoolean racing)
            implements ObjectStore {

        @Override
        public Optional<StoredObject> putIfMatch(String key, Path content, String contentType, String version) {
            try {
                if (racing.get()) {
                    writers.await(10, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                throw new IllegalStateException("the other replica never wrote the state", e);
            }
            return store.putIfMatch(key, content, contentType, version);
        }

        @Override
        public String location() {
            return store.location();
        }

        @Override
        public Optional<StoredObject> head(String key) {
            return store.head(key);
        }

        @Override
        public InputStream open(String key) {
            return store.open(key);
        }

        @Override
        public StoredObject put(String key, Path content, String contentType) {
            return store.put(key, content, contentType);
        }

        @Override
        public Optional<StoredObject> putIfAbsent(String key, Path content, String contentType) {
            return store.putIfAbsent(key, content, contentType);
        }

        @Override
        public List<StoredObject> list(String prefix) {
            return store.list(prefix);
        }

        @Override
        public void delete(String key) {
            store.delete(key);
        }
    }
}
