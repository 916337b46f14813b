package dev.quiver.admission.identity;

import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigNode;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
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
    private static final List<String> ENTRY_FIELDS = List.of("id", "salt", "hash", "plan", "owner", "admin");

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
        } catch (InvalidConfigException | UncheckedIOException e) {
            LOG.errorf("%s; the keys in force stay as they were", e.getMessage());
            return false;
        }
    }

    private static Map<String, ApiKey> read(Path file) {
        ConfigFile config;
        try {
            config = ConfigFile.read("key store " + file, file);
        } catch (IOException e) {
            throw new UncheckedIOException("key store " + file + ": cannot read it: " + e.getMessage(), e);
        }
        Map<String, ApiKey> byId = new HashMap<>();
        config.root().mapping("expected 'keys:' with a list of entries")
                .flatMap(root -> {
                    root.allowOnly(List.of("keys"));
                    return root.required("keys", "required, a list of entries");
                })
                .flatMap(keys -> keys.list("expected a list of entries"))
                .ifPresent(entries -> entries.forEach(entry -> key(entry).ifPresent(key -> {
                    if (byId.putIfAbsent(key.id(), key) != null) {
                        entry.asMapping().flatMap(mapping -> mapping.get("id")).orElse(entry)
                                .problem(key.id() + " is listed twice");
                    }
                })));
        config.requireValid();
        return Map.copyOf(byId);
    }

    private static Optional<ApiKey> key(ConfigValue value) {
        return value.mapping("expected an entry: id, salt, hash, plan, owner, admin").flatMap(entry -> {
            entry.allowOnly(ENTRY_FIELDS);
            Optional<String> id = quoted(entry, "id");
            id.filter(given -> !given.matches("[0-9a-f]{12}")).ifPresent(given -> entry.get("id").orElseThrow()
                    .problem("expected 12 hex digits, got '" + given + "'"));
            Optional<String> salt = quoted(entry, "salt");
            Optional<String> hash = quoted(entry, "hash");
            Optional<String> plan = quoted(entry, "plan");
            String owner = entry.get("owner").filter(given -> !given.isNull())
                    .flatMap(given -> given.asText().or(given::text)).orElse("");
            boolean admin = entry.get("admin").filter(given -> !given.isNull()).flatMap(ConfigValue::bool)
                    .orElse(false);
            if (id.isEmpty() || !id.get().matches("[0-9a-f]{12}") || salt.isEmpty() || hash.isEmpty()
                    || plan.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new ApiKey(id.get(), salt.get(), hash.get(), plan.get(), owner, admin));
        });
    }

    /** Text YAML reads as text: an id of 12 decimal digits left unquoted is a number, and refused with its fix. */
    private static Optional<String> quoted(ConfigMapping entry, String field) {
        Optional<ConfigValue> value = entry.required(field, "required");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        ConfigValue given = value.get();
        if (given.node() instanceof ConfigNode.Scalar scalar && scalar.type() != ConfigNode.ScalarType.TEXT
                && scalar.type() != ConfigNode.ScalarType.NULL) {
            String type = scalar.type() == ConfigNode.ScalarType.BOOLEAN ? "boolean" : "number";
            given.problem("expected text in quotes; YAML read " + scalar.text() + " as a " + type + " (write \""
                    + scalar.text() + "\" if that is it)");
            return Optional.empty();
        }
        Optional<String> text = given.asText().filter(found -> !found.isBlank());
        if (text.isEmpty()) {
            given.problem("required");
        }
        return text;
    }

    private String stamp() {
        try {
            return file.isEmpty() ? "" : Files.getLastModifiedTime(file.get()).toMillis() + "/" + Files.size(file.get());
        } catch (IOException e) {
            return "missing";
        }
    }
}
