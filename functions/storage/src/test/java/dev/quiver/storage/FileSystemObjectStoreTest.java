package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemObjectStoreTest extends ObjectStoreContract {

    @TempDir
    Path root;

    private FileSystemObjectStore store;

    @BeforeEach
    void open() {
        store = new FileSystemObjectStore(root);
    }

    @Override
    ObjectStore store() {
        return store;
    }

    @Test
    void aWriteInProgressIsNoObject() throws Exception {
        Files.createDirectories(root.resolve("results"));
        Files.writeString(root.resolve("results/.quiver-tmp-123.part"), "half a result");
        assertThat(store.list("")).isEmpty();
        store.put("results/done.jsonl", file("{}\n"), "application/jsonl");
        assertThat(store.list("results/")).extracting(StoredObject::key).containsExactly("results/done.jsonl");
        assertThat(Files.list(root.resolve("results")).count()).as("no temporary file of ours is left").isEqualTo(2);
    }
}
