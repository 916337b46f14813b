package dev.quiver.orchestration.deadletter;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** {@code GET /dead-letters?limit=}: the latest events the broker could not deliver ({@link DeadLetterRoute}). */
@Path("/dead-letters")
public class DeadLetterResource {

    private static final int MAX_LIMIT = 1000;

    private final DeadLetterStore store;

    public DeadLetterResource(DeadLetterStore store) {
        this.store = store;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response latest(@QueryParam("limit") String limit) {
        int count;
        try {
            count = limit == null ? 50 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 1 || count > MAX_LIMIT) {
            return error(400, "limit: expected a whole number from 1 to " + MAX_LIMIT + ", got '" + limit + "'");
        }
        return Response.ok(store.latest(count)).build();
    }

    private static Response error(int status, String message) {
        return Response.status(status).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON).build();
    }
}
