package dev.quiver.orchestration.reads;

import dev.quiver.orchestration.deadletter.DeadLetterStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The read API: runs and their DAG state, step instances with their attempts and timings, the time series recorded
 * from heartbeats, and lineage (which data and parameters produced an artifact; which runs used a dataset and what
 * they produced), and the dead letters. Unknown runs and steps are 404s; bad query parameters 400s naming the
 * parameter.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    private static final int MAX_LIMIT = 1000;

    private final RunReads reads;
    private final DeadLetterStore deadLetters;

    public RunResource(RunReads reads, DeadLetterStore deadLetters) {
        this.reads = reads;
        this.deadLetters = deadLetters;
    }

    @GET
    @Path("runs")
    public Response runs(@QueryParam("pipeline") String pipeline, @QueryParam("state") String state,
                         @QueryParam("limit") String limit) {
        return limit(limit).map(count -> Response.ok(reads.runs(Optional.ofNullable(pipeline),
                Optional.ofNullable(state), count)).build()).orElseGet(() -> badLimit(limit));
    }

    /** The latest events the broker could not deliver ({@code POST /dead-letters} records them). */
    @GET
    @Path("dead-letters")
    public Response deadLetters(@QueryParam("limit") String limit) {
        return limit(limit).map(count -> Response.ok(deadLetters.latest(count)).build())
                .orElseGet(() -> badLimit(limit));
    }

    @GET
    @Path("runs/{run}")
    public Response run(@PathParam("run") String run) {
        return reads.run(run).map(found -> Response.ok(found).build())
                .orElseGet(() -> error(404, "run: no run " + run));
    }

    /** Who cancelled, killed, restarted or reran what in the run, and why. */
    @GET
    @Path("runs/{run}/controls")
    public Response controls(@PathParam("run") String run) {
        return reads.run(run).map(found -> Response.ok(reads.controls(run)).build())
                .orElseGet(() -> error(404, "run: no run " + run));
    }

    @GET
    @Path("runs/{run}/steps/{instance}")
    public Response step(@PathParam("run") String run, @PathParam("instance") String instance) {
        return reads.step(run, instance).map(found -> Response.ok(found).build())
                .orElseGet(() -> error(404, "instance: run " + run + " has no step instance " + instance));
    }

    @GET
    @Path("runs/{run}/steps/{instance}/series/{name}")
    public Response series(@PathParam("run") String run, @PathParam("instance") String instance,
                           @PathParam("name") String name, @QueryParam("attempt") String attempt) {
        Optional<RunViews.StepDetail> step = reads.step(run, instance);
        if (step.isEmpty()) {
            return error(404, "instance: run " + run + " has no step instance " + instance);
        }
        int number;
        try {
            number = attempt == null ? step.get().step().attempt() : Integer.parseInt(attempt);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 1) {
            return error(400, "attempt: expected an attempt number from 1, got '" + attempt + "'");
        }
        List<RunViews.Sample> samples = reads.series(run, instance, number, name);
        return Response.ok(samples).build();
    }

    @GET
    @Path("lineage/artifacts")
    public Response producers(@QueryParam("uri") String uri) {
        if (uri == null || uri.isBlank()) {
            return error(400, "uri: required, the artifact's location");
        }
        return Response.ok(reads.producers(uri)).build();
    }

    @GET
    @Path("lineage/datasets")
    public Response uses(@QueryParam("uri") String uri) {
        if (uri == null || uri.isBlank()) {
            return error(400, "uri: required, the dataset's location");
        }
        return Response.ok(reads.uses(uri)).build();
    }

    /** A {@code limit} query parameter: 50 when absent, empty when it is not a whole number from 1 to the maximum. */
    private static Optional<Integer> limit(String limit) {
        try {
            int count = limit == null ? 50 : Integer.parseInt(limit);
            return count >= 1 && count <= MAX_LIMIT ? Optional.of(count) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Response badLimit(String limit) {
        return error(400, "limit: expected a whole number from 1 to " + MAX_LIMIT + ", got '" + limit + "'");
    }

    private static Response error(int status, String message) {
        return Response.status(status).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON).build();
    }
}
