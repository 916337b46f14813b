package dev.quiver.inference.repository;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.rollout.RolloutStore;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Keeps a local copy of a model repository held in object storage ({@code s3://bucket/prefix}), for the watcher to
 * scan like any folder. An object is downloaded only when its version (ETag, a digest of its content) differs from
 * the copy's, into a temporary file moved into place whole; objects gone from the store are removed. The versions of
 * the copies are kept beside them, so a restart downloads only what changed meanwhile.
 */
final class RepositoryMirror {

    private static final Logger LOG = Logger.getLogger(RepositoryMirror.class);
    private static final String INDEX = ".quiver-mirror.json";

    private final ObjectStore remote;
    private final Path cache;
    private final ObjectMapper mapper;
    private Map<String, String> versions;

    RepositoryMirror(ObjectStore remote, Path cache, ObjectMapper mapper) {
        this.remote = remote;
        this.cache = cache.toAbsolutePath().normalize();
        this.mapper = mapper;
    }

    Path root() {
        return cache;
    }

    /** Brings the copy up to date with the store; a failure leaves the copy as it was. */
    void sync() throws IOException {
        Files.createDirectories(cache);
        if (versions == null) {
            versions = readIndex();
        }
        Set<String> seen = new HashSet<>();
        for (StoredObject object : remote.list("")) {
            seen.add(object.key());
            Path target = cache.resolve(object.key()).normalize();
            if (!target.startsWith(cache) || object.key().equals(INDEX) || !served(object.key())) {
                continue;
            }
            if (object.version().equals(versions.get(object.key())) && Files.exists(target)) {
                continue;
            }
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), ".quiver-download-", ".part");
            try (InputStream in = remote.open(object.key())) {
                Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
            versions.put(object.key(), object.version());
            LOG.infof("model repository %s: fetched %s (%d bytes)", remote.location(), object.key(), object.size());
        }
        for (String key : Set.copyOf(versions.keySet())) {
            if (!seen.contains(key)) {
                Files.deleteIfExists(cache.resolve(key));
                versions.remove(key);
                LOG.infof("model repository %s: %s is gone from the store, removed", remote.location(), key);
            }
        }
        Path index = cache.resolve(INDEX);
        Path temporary = Files.createTempFile(cache, ".quiver-index-", ".part");
        mapper.writeValue(temporary.toFile(), versions);
        Files.move(temporary, index, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Whether the function reads the object from the copy: not so for hidden entries (the layout skips them; rollouts
     * keep each replica's figures there) nor the rollout's state, which rollouts read from the store itself and which
     * change every few seconds while a rollout runs.
     */
    private static boolean served(String key) {
        return !key.startsWith(".") && !key.contains("/.") && !key.endsWith("/" + RolloutStore.STATE_FILE);
    }

    private Map<String, String> readIndex() {
        Path index = cache.resolve(INDEX);
        if (!Files.exists(index)) {
            return new HashMap<>();
        }
        try {
            return new HashMap<>(mapper.readValue(index.toFile(), new TypeReference<Map<String, String>>() { }));
        } catch (IOException e) {
            LOG.warnf("model repository cache index %s is unreadable (%s); fetching everything again", index,
                    e.getMessage());
            return new HashMap<>();
        }
    }
}
