package dev.quiver.orchestration.executors;

import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.orchestration.OrchestrationConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The folder of one attempt on this machine ({@code <state>/work/<run>/<instance>/attempt-<n>}), where a local step
 * runs and leaves its files; artifacts point into it, so it outlives the attempt.
 */
@ApplicationScoped
public class AttemptFolders {

    private final Path root;

    @Inject
    public AttemptFolders(OrchestrationConfig config) {
        this(config.state().resolve("work"));
    }

    public AttemptFolders(Path root) {
        this.root = root.toAbsolutePath();
    }

    public Path create(StepDispatched step) throws IOException {
        return Files.createDirectories(root.resolve(step.runId())
                .resolve(step.instance().replaceAll("[^A-Za-z0-9._-]", "_"))
                .resolve("attempt-" + step.attempt()));
    }
}
