package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every store does, run against the folder store and against a real S3-compatible server. */
abstract class ObjectStoreContract {

    @TempDir
    Path scratch;

    abstract ObjectStore store();

    @Test
    void storesReadsListsAndDeletesObjects() throws Exception {
        ObjectStore store = store();
        StoredObject written = store.put("inputs/rows.csv", file("a,b\n1,2\n"), "text/csv");
        assertThat(written.key()).isEqualTo("inputs/rows.csv");
        assertThat(written.size()).isEqualTo(8);
        assertThat(store.head("inputs/rows.csv")).hasValueSatisfying(head -> {
            assertThat(head.size()).isEqualTo(8);
            assertThat(head.version()).isNotBlank();
        });
        try (InputStream in = store.open("inputs/rows.csv")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
        }
        store.put("inputs/other.jsonl", file("{}\n"), "application/jsonl");
        store.put("outputs/x.jsonl", file("{}\n"), "application/jsonl");
        assertThat(store.list("inputs/")).extracting(StoredObject::key)
                .containsExactly("inputs/other.jsonl", "inputs/rows.csv");
        store.delete("inputs/rows.csv");
        assertThat(store.head("inputs/rows.csv")).isEmpty();
        assertThatThrownBy(() -> store.open("inputs/rows.csv")).isInstanceOf(NoSuchObjectException.class);
    }

    @Test
    void aRangeReadsOnlyItsBytes() throws Exception {
        ObjectStore store = store();
        store.put("inputs/digits.csv", file("0123456789"), "text/csv");
        assertThat(range(store, "inputs/digits.csv", 0, 4)).isEqualTo("0123");
        assertThat(range(store, "inputs/digits.csv", 3, 7)).isEqualTo("3456");
        assertThat(range(store, "inputs/digits.csv", 8, 20)).as("cut at the end").isEqualTo("89");
        assertThat(range(store, "inputs/digits.csv", 5, 5)).isEmpty();
        assertThat(range(store, "inputs/digits.csv", 10, 12)).as("past the end").isEmpty();
        assertThatThrownBy(() -> store.open("inputs/missing.csv", 0, 4).close())
                .isInstanceOf(NoSuchObjectException.class);
        assertThatThrownBy(() -> store.open("inputs/digits.csv", 4, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 0 <= from <= to");
    }

    @Test
    void objectsAreJoinedInTheOrderGivenUnderANewKey() throws Exception {
        ObjectStore store = store();
        store.put("parts/0.jsonl", file("a\n"), "application/jsonl");
        store.put("parts/1.jsonl", file(""), "application/jsonl");
        store.put("parts/2.jsonl", file("b\nc\n"), "application/jsonl");

        StoredObject joined = store.concatenate(List.of("parts/0.jsonl", "parts/1.jsonl", "parts/2.jsonl"),
                "out/all.jsonl", "application/jsonl");

        assertThat(joined.size()).isEqualTo(6);
        assertThat(range(store, "out/all.jsonl", 0, 100)).isEqualTo("a\nb\nc\n");
        assertThatThrownBy(() -> store.concatenate(List.of("parts/0.jsonl", "parts/9.jsonl"), "out/x.jsonl",
                "application/jsonl")).isInstanceOf(NoSuchObjectException.class);
    }

    private static String range(ObjectStore store, String key, long from, long to) throws Exception {
        try (InputStream in = store.open(key, from, to)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aConditionalWriteWinsOnlyWhereNothingIs() throws Exception {
        ObjectStore store = store();
        assertThat(store.putIfAbsent("claims/a.json", file("first"), "application/json"))
                .hasValueSatisfying(written -> assertThat(written.size()).isEqualTo(5));
        assertThat(store.putIfAbsent("claims/a.json", file("second"), "application/json")).isEmpty();
        try (InputStream in = store.open("claims/a.json")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("first");
        }
        assertThat(store.list("claims/")).extracting(StoredObject::key).containsExactly("claims/a.json");
    }

    @Test
    void aConditionalWriteWinsAgainOnceTheObjectIsDeleted() throws Exception {
        ObjectStore store = store();
        assertThat(store.putIfAbsent("claims/taken-over.json", file("crashed"), "application/json")).isPresent();
        assertThat(store.putIfAbsent("claims/taken-over.json", file("refused"), "application/json")).isEmpty();
        store.delete("claims/taken-over.json");
        assertThat(store.putIfAbsent("claims/taken-over.json", file("new owner"), "application/json")).isPresent();
        try (InputStream in = store.open("claims/taken-over.json")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("new owner");
        }
    }

    /**
     * Each writer claims with content of its own, as a claim names its owner: a write the client sent again, refused
     * because its first attempt wrote the object, is the writer's own only when the object holds its content, so with
     * the same content two writers could each take the object for theirs.
     */
    @Test
    void ofConcurrentConditionalWritesExactlyOneWins() throws Exception {
        ObjectStore store = store();
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Path claim = file("claimed by writer " + i);
                results.add(pool.submit(() -> {
                    start.await();
                    return store.putIfAbsent("claims/race.json", claim, "application/json").isPresent();
                }));
            }
            start.countDown();
            List<Integer> winners = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                if (results.get(i).get()) {
                    winners.add(i);
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(text(store, "claims/race.json")).as("the winner's claim")
                    .isEqualTo("claimed by writer " + winners.getFirst());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCompareAndSetReplacesOnlyTheVersionRead() throws Exception {
        ObjectStore store = store();
        String read = store.put("state/rollout.json", file("{\"step\": 0}"), "application/json").version();

        StoredObject replaced = store.putIfMatch("state/rollout.json", file("{\"step\": 1}"), "application/json",
                read).orElseThrow();
        assertThat(replaced.version()).isNotEqualTo(read);
        assertThat(store.putIfMatch("state/rollout.json", file("{\"step\": 9}"), "application/json", read))
                .as("a writer that read the old version loses").isEmpty();
        assertThat(text(store, "state/rollout.json")).isEqualTo("{\"step\": 1}");
        // the same size written at once is still a new version, which the stale writer cannot replace
        StoredObject again = store.putIfMatch("state/rollout.json", file("{\"step\": 2}"), "application/json",
                replaced.version()).orElseThrow();
        assertThat(again.version()).isNotEqualTo(replaced.version());
        assertThat(store.putIfMatch("state/rollout.json", file("{\"step\": 8}"), "application/json",
                replaced.version())).isEmpty();
        assertThat(text(store, "state/rollout.json")).isEqualTo("{\"step\": 2}");
        assertThat(store.putIfMatch("state/none.json", file("{}"), "application/json", read))
                .as("nothing to replace").isEmpty();
        assertThat(store.head("state/none.json")).isEmpty();
    }

    @Test
    void ofConcurrentCompareAndSetsOfOneVersionExactlyOneWins() throws Exception {
        ObjectStore store = store();
        String read = store.put("state/race.json", file("start"), "application/json").version();
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Path content = file("writer " + i);
                results.add(pool.submit(() -> {
                    start.await();
                    return store.putIfMatch("state/race.json", content, "application/json", read).isPresent();
                }));
            }
            start.countDown();
            List<Integer> winners = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                if (results.get(i).get()) {
                    winners.add(i);
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(text(store, "state/race.json")).isEqualTo("writer " + winners.getFirst());
        } finally {
            pool.shutdownNow();
        }
    }

    private static String text(ObjectStore store, String key) throws Exception {
        try (InputStream in = store.open(key)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aNewContentIsANewVersion() throws Exception {
        ObjectStore store = store();
        String first = store.put("data.csv", file("1\n"), "text/csv").version();
        String second = store.put("data.csv", file("1\n2\n3\n"), "text/csv").version();
        assertThat(second).isNotEqualTo(first);
        assertThat(store.head("data.csv").orElseThrow().size()).isEqualTo(6);
    }

    @Test
    void keysWithSpacesAndNonAsciiCharactersRoundTrip() throws Exception {
        ObjectStore store = store();
        String key = "uploads/März 2026/caf\u00e9 données+1.csv";
        store.put(key, file("x\n"), "text/csv");
        assertThat(store.list("uploads/")).extracting(StoredObject::key).containsExactly(key);
        try (InputStream in = store.open(key)) {
            assertThat(in.readAllBytes()).hasSize(2);
        }
    }

    @Test
    void noKeyLeadsOutOfTheRoot() {
        ObjectStore store = store();
        for (String key : List.of("../escape.csv", "a/../../escape.csv", "/etc/passwd", "a//b", "a/./b", "a\\..\\b",
                "bad\u0000name", "")) {
            assertThatThrownBy(() -> store.head(key)).as(key).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("object key");
        }
    }

    Path file(String content) throws Exception {
        Path file = Files.createTempFile(scratch, "content", ".tmp");
        Files.writeString(file, content);
        return file;
    }
}
