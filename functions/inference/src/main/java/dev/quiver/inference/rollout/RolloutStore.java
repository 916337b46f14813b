package dev.quiver.inference.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.storage.ModelRepositoryLayout;
import dev.quiver.storage.NoSuchObjectException;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.ObjectStoreException;
import dev.quiver.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rollout's files in the model repository's store, the state every replica shares: {@code <model>/rollout.json}
 * (written only over the version read, or where none is), {@code <model>/routing.json} (the routing the rollout
 * wants) and each replica's figures under {@code <model>/.rollout/}. The repository's scan skips all three as
 * versions: the first two are not model files, the folder is hidden.
 */
public final class RolloutStore {

    public static final String STATE_FILE = "rollout.json";
    public static final String ROUTING_FILE = "routing.json";
    public static final String FIGURES_FOLDER = ".rollout";
    private static final String JSON = "application/json";

    private final ObjectStore store;
    private final ObjectMapper mapper;

    public RolloutStore(ObjectStore store, ObjectMapper mapper) {
        this.store = store;
        this.mapper = mapper.copy().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DATE_TIMESTAMPS_AS_NANOSECONDS);
    }

    /** Where the state lives, for messages and the README's promise: a folder or {@code s3://bucket/prefix}. */
    public String location() {
        return store.location();
    }

    /** A state and the version of the object it was read from, to replace it with. */
    public record Read<T>(T value, String version) {
    }

    public Optional<Read<RolloutState>> state(String model) {
        return read(stateKey(model), RolloutState.class);
    }

    /** Writes the first state of a model, or over the version read; false when another writer came first. */
    public boolean write(RolloutState state, Optional<String> overVersion) {
        Path file = temporary(state);
        try {
            return overVersion.isEmpty() ? store.putIfAbsent(stateKey(state.model()), file, JSON).isPresent()
                    : store.putIfMatch(stateKey(state.model()), file, JSON, overVersion.get()).isPresent();
        } finally {
            file.toFile().delete();
        }
    }

    /** The routing override as it is, for its fields the rollout does not own (sticky key, shadow, other aliases). */
    public Optional<Read<ObjectNode>> routing(String model) {
        return read(model + "/" + ROUTING_FILE, ObjectNode.class);
    }

    public Optional<StoredObject> routingObject(String model) {
        return store.head(model + "/" + ROUTING_FILE);
    }

    public void writeRouting(String model, ObjectNode routing) {
        put(model + "/" + ROUTING_FILE, routing);
    }

    /** The model's configuration file's {@code routing} block, when it has one, as JSON. */
    public Optional<ObjectNode> configRouting(String model) {
        for (String name : ModelRepositoryLayout.CONFIG_FILES) {
            String key = model + "/" + name;
            if (store.head(key).isEmpty()) {
                continue;
            }
            ObjectMapper reader = ModelRepositoryLayout.isJson(key) ? mapper : new YAMLMapper();
            try (InputStream in = store.open(key)) {
                return Optional.ofNullable(reader.readTree(in)).map(tree -> tree.get("routing"))
                        .filter(ObjectNode.class::isInstance).map(ObjectNode.class::cast);
            } catch (IOException | NoSuchObjectException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    public boolean versionExists(String model, long version) {
        return store.head(ModelRepositoryLayout.modelKey(model, version)).isPresent();
    }

    public void publish(String model, ReplicaFigures figures) {
        put(figuresPrefix(model) + safe(figures.replica()) + ".json", figures);
    }

    /** Every replica's published figures for the model; a file that cannot be read is skipped. */
    public List<ReplicaFigures> figures(String model) {
        List<ReplicaFigures> all = new ArrayList<>();
        for (StoredObject object : store.list(figuresPrefix(model))) {
            try {
                read(object.key(), ReplicaFigures.class).ifPresent(read -> all.add(read.value()));
            } catch (ObjectStoreException | UncheckedIOException e) {
                // a replica's file being replaced or half-written by another program is left for the next tick
            }
        }
        return all;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    private static String stateKey(String model) {
        return ModelRepositoryLayout.requireModelName(model) + "/" + STATE_FILE;
    }

    private static String figuresPrefix(String model) {
        return ModelRepositoryLayout.requireModelName(model) + "/" + FIGURES_FOLDER + "/";
    }

    /** A replica name as one key segment. */
    private static String safe(String replica) {
        return replica.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    private <T> Optional<Read<T>> read(String key, Class<T> type) {
        Optional<StoredObject> head = store.head(key);
        if (head.isEmpty()) {
            return Optional.empty();
        }
        // the version is taken before the content: when the object changes in between, the content is newer than the
        // version, and a write over that version is refused, as it should be
        try (InputStream in = store.open(key)) {
            return Optional.of(new Read<>(mapper.readValue(in.readAllBytes(), type), head.get().version()));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + store.locate(key) + ": " + e.getMessage(), e);
        }
    }

    private void put(String key, Object value) {
        Path file = temporary(value);
        try {
            store.put(key, file, JSON);
        } finally {
            file.toFile().delete();
        }
    }

    private Path temporary(Object value) {
        try {
            Path file = Files.createTempFile("quiver-rollout", ".json");
            mapper.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), value);
            return file;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a temporary file: " + e.getMessage(), e);
        }
    }
}
