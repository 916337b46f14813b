package dev.quiver.inference.repository;

import dev.quiver.inference.modelconfig.VersionPolicy;
import dev.quiver.inference.routing.RoutingTable;
import dev.quiver.storage.ModelRepositoryLayout;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * A model as the function currently holds it: its versions and any problem with its configuration file.
 *
 * @param policy      the version policy in force (the default when the configuration never parsed)
 * @param configError why the configuration file was refused; the previous configuration stays in force if there was
 *                    one
 * @param fallbackError why the chain's links to other models are refused (a cycle, outputs that do not fit); those
 *                    steps are skipped while it stands
 * @param routing     the routing table in force; empty when the model has no routing (the latest version answers)
 * @param routingError why the latest routing (block or routing.json) is refused; the table before it stays in force
 */
public record ModelEntry(String name, VersionPolicy policy, NavigableMap<Long, VersionEntry> versions,
                         Optional<String> configError, Optional<String> fallbackError,
                         Optional<RoutingTable> routing, Optional<String> routingError) {

    public ModelEntry(String name, VersionPolicy policy, NavigableMap<Long, VersionEntry> versions,
                      Optional<String> configError, Optional<String> fallbackError) {
        this(name, policy, versions, configError, fallbackError, Optional.empty(), Optional.empty());
    }

    /** Whether a version is ready and in service. */
    public boolean serving(long version) {
        VersionEntry entry = versions.get(version);
        return entry != null && entry.serving();
    }

    /** The version an unversioned request gets: the highest ready selected version, else the highest ready one. */
    public Optional<VersionEntry> latestReady() {
        Optional<VersionEntry> selected = versions.descendingMap().values().stream()
                .filter(v -> v.serving() && v.selected()).findFirst();
        return selected.isPresent() ? selected
                : versions.descendingMap().values().stream().filter(VersionEntry::serving).findFirst();
    }

    public boolean ready() {
        return latestReady().isPresent();
    }

    /** Why no version is ready, for error messages and readiness reports. */
    public String unavailableReason() {
        if (configError.isPresent() && versions.isEmpty()) {
            return "model " + name + " has an invalid configuration: " + configError.get();
        }
        if (versions.isEmpty()) {
            return "model " + name + " has no version with a " + ModelRepositoryLayout.MODEL_FILE;
        }
        VersionEntry newest = versions.lastEntry().getValue();
        return switch (newest.state()) {
            case LOADING -> "model " + name + " version " + newest.version() + " is loading";
            case FAILED -> "model " + name + " version " + newest.version() + " failed to load: " + newest.reason();
            default -> "model " + name + " has no ready version";
        };
    }
}
