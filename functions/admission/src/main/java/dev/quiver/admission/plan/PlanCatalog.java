package dev.quiver.admission.plan;

import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The plans in force: the defaults, overlaid by the plans file when one is configured. The file is read again when
 * it changes, so plan changes apply without a restart; a changed file that is invalid is reported and the plans in
 * force stay as they were. At start an invalid file is an error.
 */
public final class PlanCatalog {

    private static final Logger LOG = Logger.getLogger(PlanCatalog.class);

    private final Optional<Path> file;
    private final PlanDefaults defaults;
    private volatile Plans current;
    private volatile String stamp;

    public PlanCatalog(Optional<Path> file, PlanDefaults defaults) {
        this.file = file;
        this.defaults = defaults;
        this.stamp = stamp();
        this.current = file.map(path -> PlansFile.read(path, defaults)).orElseGet(defaults::plans);
    }

    public Plans current() {
        return current;
    }

    /** Reads the plans file again if it changed since it was last read; true when new plans took effect. */
    public boolean reloadIfChanged() {
        if (file.isEmpty()) {
            return false;
        }
        String now = stamp();
        if (Objects.equals(now, stamp)) {
            return false;
        }
        stamp = now;
        try {
            Plans plans = PlansFile.read(file.get(), defaults);
            if (plans.version() <= current.version() && !plans.equals(current)) {
                LOG.warnf("plans file %s changed but its version stayed at %d: buckets already stored keep their "
                        + "old limits until they expire; raise 'version' to apply the new limits to them",
                        file.get(), plans.version());
            }
            current = plans;
            LOG.infof("plans reloaded from %s (version %d): %s", file.get(), plans.version(),
                    plans.byName().keySet());
            return true;
        } catch (InvalidConfigException | UncheckedIOException e) {
            LOG.errorf("%s; the plans in force stay as they were (version %d)", e.getMessage(), current.version());
            return false;
        }
    }

    private String stamp() {
        if (file.isEmpty()) {
            return "";
        }
        try {
            return Files.getLastModifiedTime(file.get()).toMillis() + "/" + Files.size(file.get());
        } catch (IOException e) {
            return "missing";
        }
    }
}
