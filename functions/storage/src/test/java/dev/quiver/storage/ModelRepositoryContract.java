package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model repository in each kind of store: read by its layout, and versions added without replacing any. */
abstract class ModelRepositoryContract {

    @TempDir
    Path scratch;

    abstract ObjectStore store();

    @Test
    void versionsAddedAreReadBackByTheLayout() throws Exception {
        ModelRepository repository = new ModelRepository(store());

        long first = repository.addVersion("digits", file("model one"));
        long second = repository.addVersion("digits", file("model two"));

        assertThat(List.of(first, second)).containsExactly(1L, 2L);
        ModelRepositoryListing.Model digits = repository.list().models().get("digits");
        assertThat(digits.versions()).containsOnlyKeys(1L, 2L);
        assertThat(read(digits.versions().get(1L))).isEqualTo("model one");
        assertThat(read(digits.versions().get(2L))).isEqualTo("model two");
        assertThat(repository.model("digits")).hasValue(digits);
        assertThat(repository.model("other")).isEmpty();
        assertThat(repository.locate("digits/2/model.onnx")).endsWith("/digits/2/model.onnx");
    }

    @Test
    void aVersionsBaselineGoesBesideItsModelOnceAndIsNeverReplaced() throws Exception {
        ModelRepository repository = new ModelRepository(store());
        long version = repository.addVersion("digits", file("model"));

        assertThat(repository.addBaseline("digits", version, file("{\"trained_at\": \"first\"}"))).isTrue();
        assertThat(repository.addBaseline("digits", version, file("{\"trained_at\": \"second\"}"))).isFalse();

        assertThat(read("digits/1/baseline.json")).isEqualTo("{\"trained_at\": \"first\"}");
        assertThat(repository.list().models().get("digits").versions()).as("the layout's versions are its models")
                .containsOnlyKeys(1L);
    }

    @Test
    void aVersionTakenMeanwhileIsLeftToItsWriter() throws Exception {
        ObjectStore store = store();
        new ModelRepository(store).addVersion("digits", file("first"));
        // a store whose first listing is stale, as if another writer had added version 1 just after it
        ObjectStore lagging = new Lagging(store);

        long version = new ModelRepository(lagging).addVersion("digits", file("second"));

        assertThat(version).isEqualTo(2);
        assertThat(read("digits/1/model.onnx")).isEqualTo("first");
        assertThat(read("digits/2/model.onnx")).isEqualTo("second");
    }

    @Test
    void concurrentWritersEachGetTheirOwnVersion() throws Exception {
        ModelRepository repository = new ModelRepository(store());
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Long>> versions = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Path content = file("model " + i);
                versions.add(pool.submit(() -> {
                    start.await();
                    return repository.addVersion("digits", content);
                }));
            }
            start.countDown();
            List<Long> written = new ArrayList<>();
            for (Future<Long> future : versions) {
                written.add(future.get());
            }
            assertThat(written).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
        } finally {
            pool.shutdownNow();
        }
        assertThat(repository.list().models().get("digits").versions()).containsOnlyKeys(1L, 2L, 3L, 4L);
    }

    private String read(String key) throws Exception {
        try (InputStream in = store().open(key)) {
            return new String(in.readAllBytes());
        }
    }

    private Path file(String content) throws Exception {
        return Files.writeString(Files.createTempFile(scratch, "model", ".onnx"), content);
    }

    /** The store, except that its first listing shows nothing. */
    private record Lagging(ObjectStore store, boolean[] listed) implements ObjectStore {

        Lagging(ObjectStore store) {
            this(store, new boolean[1]);
        }

        @Override
        public List<StoredObject> list(String prefix) {
            if (!listed[0]) {
                listed[0] = true;
                return List.of();
            }
            return store.list(prefix);
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
        public Optional<StoredObject> putIfMatch(String key, Path content, String contentType, String version) {
            return store.putIfMatch(key, content, contentType, version);
        }

        @Override
        public Optional<StoredObject> putIfAbsent(String key, Path content, String contentType) {
            return store.putIfAbsent(key, content, contentType);
        }

        @Override
        public void delete(String key) {
            store.delete(key);
        }
    }
}
