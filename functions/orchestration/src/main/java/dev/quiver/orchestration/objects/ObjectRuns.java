package dev.quiver.orchestration.objects;

import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.orchestration.digest.Sha256;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Starts a run of every pipeline whose latest version's {@code on-object} matches a created object, with the object
 * as the parameters {@code object-bucket}, {@code object-key} and {@code object-version}. The run is requested as an
 * event of the pipeline's trigger ({@code /quiver/on-object/<pipeline>}) whose id is the object version's digest, so
 * that its id follows from the object version: a redelivered notification, or a second one of the same version,
 * finds the run and starts nothing.
 */
public final class ObjectRuns {

    /** A run an object started (or had started before). */
    public record Started(String pipeline, String run, String bucket, String key, String version) {
    }

    private final Pipelines pipelines;
    private final RunCoordinator coordinator;

    public ObjectRuns(Pipelines pipelines, RunCoordinator coordinator) {
        this.pipelines = pipelines;
        this.coordinator = coordinator;
    }

    public List<Started> start(List<ObjectCreated> objects) {
        List<Started> started = new ArrayList<>();
        for (ObjectCreated object : objects) {
            for (PipelineSpec spec : latestTriggered()) {
                if (!spec.onObject().orElseThrow().matches(object.bucket(), object.key())) {
                    continue;
                }
                String id = Sha256.of((object.bucket() + '\u0000' + object.key() + '\u0000' + object.version())
                        .getBytes(StandardCharsets.UTF_8));
                Map<String, Object> parameters = Map.of("object-bucket", object.bucket(), "object-key", object.key(),
                        "object-version", object.version());
                String run = coordinator.requested("/quiver/on-object/" + spec.name(), id,
                        new RunRequested(spec.name(), null, parameters));
                started.add(new Started(spec.name(), run, object.bucket(), object.key(), object.version()));
            }
        }
        return started;
    }

    private List<PipelineSpec> latestTriggered() {
        Map<String, PipelineSpec> latest = pipelines.all().stream().collect(Collectors.toMap(PipelineSpec::name,
                Function.identity(), (a, b) -> a.version() >= b.version() ? a : b));
        return latest.values().stream().filter(spec -> spec.onObject().isPresent())
                .sorted(Comparator.comparing(PipelineSpec::name)).toList();
    }
}
