package dev.quiver.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A model repository in an object store (a folder or {@code s3://bucket/prefix}), read and written by
 * {@link ModelRepositoryLayout}: what the inference function serves and what publishing steps add to.
 */
public final class ModelRepository implements AutoCloseable {

    /** Writers racing for version numbers each take the next free one; this many lost races in a row is a fault. */
    private static final int MAX_RACES = 16;

    private final ObjectStore store;

    public ModelRepository(ObjectStore store) {
        this.store = store;
    }

    /** The repository a location names: {@code s3://bucket[/prefix]} in the store of {@code s3}, or a folder. */
    public static ModelRepository open(String location, S3Settings s3) {
        return new ModelRepository(ObjectStores.open(location, s3));
    }

    public ObjectStore store() {
        return store;
    }

    public ModelRepositoryListing list() {
        return ModelRepositoryLayout.read(keys(""));
    }

    /** One model's folder, when it has anything in it. */
    public Optional<ModelRepositoryListing.Model> model(String name) {
        ModelRepositoryLayout.requireModelName(name);
        return Optional.ofNullable(ModelRepositoryLayout.read(keys(name + "/")).models().get(name));
    }

    /**
     * Adds the file as the next version of the model, written whole or not at all. A version number that another
     * writer takes first is left to it, and the next one is tried: a version, once written, is never replaced.
     *
     * @return the version written
     */
    public long addVersion(String model, Path file) {
        for (int race = 0; race < MAX_RACES; race++) {
            long version = model(model).map(ModelRepositoryListing.Model::latestVersion).orElse(0L) + 1;
            if (store.putIfAbsent(ModelRepositoryLayout.modelKey(model, version), file, "application/octet-stream")
                    .isPresent()) {
                return version;
            }
        }
        throw new ObjectStoreException("model " + model + " in " + store.location() + ": " + MAX_RACES
                + " other writers took the next version first");
    }

    /**
     * Puts a version's training baseline beside its model, unless the version has one: like the model, a baseline
     * once written is never replaced.
     *
     * @return whether it was written now
     */
    public boolean addBaseline(String model, long version, Path file) {
        return store.putIfAbsent(ModelRepositoryLayout.baselineKey(model, version), file, "application/json")
                .isPresent();
    }

    /** Where an object of the repository is: {@code s3://bucket/prefix/key} or a file path. */
    public String locate(String key) {
        return store.locate(key);
    }

    @Override
    public void close() {
        store.close();
    }

    private List<String> keys(String prefix) {
        return store.list(prefix).stream().map(StoredObject::key).toList();
    }
}
