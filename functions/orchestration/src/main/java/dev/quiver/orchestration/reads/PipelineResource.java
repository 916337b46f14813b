package dev.quiver.orchestration.reads;

import dev.quiver.orchestration.memo.MemoDryRun;
import dev.quiver.orchestration.pipeline.StepSpec;
import dev.quiver.orchestration.registry.PipelineRegistry;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunRefusedException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registered pipelines, and a dry run of one: which steps a run with given parameters would reuse memoized
 * results for, which it would run, and why.
 */
@Path("/pipelines")
@Produces(MediaType.APPLICATION_JSON)
public class PipelineResource {

    private final Pipelines pipelines;
    private final MemoDryRun dryRun;
    private final PipelineRegistry registry;
    private final StepDurations durations;

    /**
     * A registered pipeline version: its steps (empty when it cannot run here: the log says why), its text's digest,
     * and who registered it when.
     */
    public record Registered(String name, int version, List<String> steps, String digest, String registeredBy,
                             Instant registeredAt) {
    }

    /**
     * A registered version with its definition, the pipeline file's text, and each step's direct dependencies (by step
     * name, empty when it cannot run here): the edges of its graph, as the console draws it.
     */
    public record Definition(String name, int version, List<String> steps, String digest, String registeredBy,
                             Instant registeredAt, String definition, Map<String, List<String>> depends) {
    }

    /** What a dry run is asked about: a version (the latest when null) and the run's parameters. */
    public record DryRunRequest(Integer version, Map<String, Object> parameters) {
    }

    public PipelineResource(Pipelines pipelines, MemoDryRun dryRun, PipelineRegistry registry,
                            StepDurations durations) {
        this.pipelines = pipelines;
        this.dryRun = dryRun;
        this.registry = registry;
        this.durations = durations;
    }

    /** Per step: p50, p95 and longest of its last {@code last} (20) successful attempts, and each one's timing. */
    @GET
    @Path("{name}/durations")
    public Response durations(@PathParam("name") String name, @QueryParam("last") String last) {
        int count = 20;
        if (last != null) {
            if (!last.matches("[0-9]{1,4}") || Integer.parseInt(last) < 1 || Integer.parseInt(last) > 1000) {
                return error(400, "last: expected a whole number from 1 to 1000, got \"" + last + "\"");
            }
            count = Integer.parseInt(last);
        }
        if (registry.versions().stream().noneMatch(version -> version.pipeline().equals(name))) {
            return error(404, "pipeline: no pipeline \"" + name + "\" is registered");
        }
        return Response.ok(durations.of(name, count)).build();
    }

    /** Every version in the run database, whichever replica registered it. */
    @GET
    public List<Registered> registered() {
        return registry.versions().stream().map(version -> new Registered(version.pipeline(), version.version(),
                steps(version), version.digest(), version.registeredBy(), version.registeredAt())).toList();
    }

    @GET
    @Path("{name}/versions/{version}")
    public Response version(@PathParam("name") String name, @PathParam("version") String version) {
        if (!version.matches("[1-9][0-9]{0,8}")) {
            return error(400, "version: \"" + version + "\" is not a version; expected a whole number from 1");
        }
        return registry.version(name, Integer.parseInt(version))
                .map(found -> Response.ok(new Definition(found.pipeline(), found.version(), steps(found),
                        found.digest(), found.registeredBy(), found.registeredAt(), found.definition(),
                        depends(found))).build())
                .orElseGet(() -> error(404, "pipeline \"" + name + "\" has no version " + version));
    }

    private List<String> steps(PipelineRegistry.Version version) {
        try {
            return pipelines.graph(version.pipeline(), Optional.of(version.version())).spec().steps().stream()
                    .map(StepSpec::name).toList();
        } catch (RunRefusedException e) {
            return List.of();
        }
    }

    private Map<String, List<String>> depends(PipelineRegistry.Version version) {
        try {
            Map<String, List<String>> depends = new LinkedHashMap<>();
            pipelines.graph(version.pipeline(), Optional.of(version.version())).spec().steps()
                    .forEach(step -> depends.put(step.name(),
                            step.depends().stream().map(StepSpec.Dependency::step).toList()));
            return depends;
        } catch (RunRefusedException e) {
            return Map.of();
        }
    }

    private static Response error(int status, String message) {
        return Response.status(status).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON).build();
    }

    @POST
    @Path("{name}/dry-run")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response dryRun(@PathParam("name") String name, DryRunRequest request) {
        Optional<Integer> version = request == null ? Optional.empty() : Optional.ofNullable(request.version());
        Map<String, Object> parameters = request == null || request.parameters() == null ? Map.of()
                : request.parameters();
        try {
            return Response.ok(dryRun.explain(pipelines.graph(name, version), parameters)).build();
        } catch (RunRefusedException e) {
            return Response.status(404).entity(Map.of("error", e.getMessage())).type(MediaType.APPLICATION_JSON)
                    .build();
        }
    }
}
