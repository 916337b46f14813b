package dev.quiver.orchestration.pool;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Optional;

/** Where the shared pool is described (MicroProfile Config; also {@code QUIVER_POOL_FILE}). */
@ConfigMapping(prefix = "quiver.pool")
public interface PoolConfig {

    /**
     * The pool file (YAML or JSON): resources, cohorts and queues with their quotas, priority classes, how work maps to
     * them. Without one the pool is one queue with no bound, so every ready step is admitted at once.
     */
    Optional<Path> file();
}
