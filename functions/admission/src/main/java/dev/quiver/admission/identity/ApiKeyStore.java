package dev.quiver.admission.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The API keys Quiver accepts, from a YAML file of entries made by {@code ./quiver new-key} (id, salt, hash, plan,
 * owner, admin). The file is read again when it changes, so keys are added and revoked without a restart; a changed
 * file that is invalid is reported and the keys in force stay.
 */
public final class ApiKeyStore {

    private static final Logger LOG = Logger.getLogger(ApiKeyStore.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Optional<Path> file;
    private volatile Map<String, ApiKey> byId;
    private volatile String stamp;

    public ApiKeyStore(Optional<Path> file) {
        this.file = file;
        this.stamp = stamp();
        this.byId = file.map(ApiKeyStore::read).orElse(Map.of());
    }

    /** The stored key that {@code presented} is, or empty when it is no valid key. */
    public Optional<ApiKey> verify(String presented) {
        String id = ApiKey.idOf(presented);
        ApiKey stored = id == null ? null : byId.get(id);
        return stored != null && stored.matches(presented) ? Optional.of(stored) : Optional.empty();
    }

    public boolean reloadIfChanged() {
        if (file.isEmpty() || Objects.equals(stamp(), stamp)) {
            return false;
        }
        stamp = stamp();
        try {
            byId = read(file.get());
            LOG.infof("API keys reloaded from %s: %d keys", file.get(), byId.size());
            return true;
        } catch (IllegalArgumentException e) {
            LOG.errorf("%s; the keys in force stay as they were", e.getMessage());
            return false;
        }
    }

    private static Map<String, ApiKey> read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("key store " + file + ": cannot read it: " + e.getMessage(), e);
        }
        JsonNode keys = root == null ? null : root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new IllegalArgumentException("key store " + file + ": expected 'keys:' with a list of entries");
        }
        Map<String, ApiKey> byId = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode entry = keys.get(i);
            String at = "key store " + file + ": keys[" + i + "]";
            ApiKey key = new ApiKey(text(entry, "id", at), text(entry, "salt", at), text(entry, "hash", at),
                    text(entry, "plan", at), entry.path("owner").asText(""), entry.path("admin").asBoolean(false));
            if (!key.id().matches("[0-9a-f]{12}")) {
                throw new IllegalArgumentException(at + ".id: expected 12 hex digits, got '" + key.id() + "'");
            }
            if (byId.put(key.id(), key) != null) {
                throw new IllegalArgumentException(at + ".id: " + key.id() + " is listed twice");
            }
        }
        return Map.copyOf(byId);
    }

    private static String text(JsonNode entry, String field, String at) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            throw new IllegalArgumentException(at + "." + field + ": required");
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(at + "." + field + ": expected text in quotes; YAML read " + value
                    + " as a " + value.getNodeType().name().toLowerCase(Locale.ROOT) + " (write \"" + value.asText()
                    + "\" if that is it)");
        }
        return value.asText();
    }

    private String stamp() {
        try {
            return file.isEmpty() ? "" : Files.getLastModifiedTime(file.get()).toMillis() + "/" + Files.size(file.get());
        } catch (IOException e) {
            return "missing";
        }
    }
}
