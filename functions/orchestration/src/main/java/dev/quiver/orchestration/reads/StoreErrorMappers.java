package dev.quiver.orchestration.reads;

import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.StoreRefusedException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The read API's answers when the run store fails: a store that cannot be reached is a 503 with {@code Retry-After}
 * (the question can be asked again), a question the store refuses as malformed a 400; both with the JSON body
 * {@code {"error": ...}} of the API's other errors.
 */
public class StoreErrorMappers {

    private static final Logger LOG = Logger.getLogger(StoreErrorMappers.class);

    @ServerExceptionMapper
    public Response unavailable(StoreException e) {
        LOG.warnf(e, "a read of the run store failed");
        return Response.status(503).header("Retry-After", "5").type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "the run store is unavailable; retry later")).build();
    }

    @ServerExceptionMapper
    public Response refused(StoreRefusedException e) {
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(Map.of("error", e.getMessage())).build();
    }
}
