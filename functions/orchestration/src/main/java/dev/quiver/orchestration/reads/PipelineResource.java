package dev.quiver.orchestration.reads;

import dev.quiver.orchestration.memo.MemoDryRun;
import dev.quiver.orchestration.pipeline.StepSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunRefusedException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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

    /** A registered pipeline version and its steps. */
    public record Registered(String name, int version, List<String> steps) {
    }

    /** What a dry run is asked about: a version (the latest when null) and the run's parameters. */
    public record DryRunRequest(Integer version, Map<String, Object> parameters) {
    }

    public PipelineResource(Pipelines pipelines, MemoDryRun dryRun) {
        this.pipelines = pipelines;
        this.dryRun = dryRun;
    }

    @GET
    public List<Registered> registered() {
        return pipelines.all().stream().map(spec -> new Registered(spec.name(), spec.version(),
                spec.steps().stream().map(StepSpec::name).toList())).toList();
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
