package dev.quiver.orchestration.deadletter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.runs.StoreException;
import dev.quiver.orchestration.runs.Transactions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The dead-letter sink of every Trigger: {@code POST /dead-letters} records what the broker could not deliver and
 * answers 202 (a 2xx ends the broker's attempts; 202 carries no reply event), a redelivery included; a request that is
 * no CloudEvent is a 400, a store that cannot be reached a 503 with {@code Retry-After}, so that the broker retries.
 * {@code GET /dead-letters?limit=} lists the latest.
 */
@Path("/dead-letters")
public class DeadLetterResource {

    private static final Logger LOG = Logger.getLogger(DeadLetterResource.class);
    private static final int MAX_LIMIT = 1000;

    private final DeadLetterStore store;
    private final DeadLetterRequest requests;
    private final Clock clock;
    private final MeterRegistry meters;

    public DeadLetterResource(Transactions transactions, ObjectMapper json, Clock clock, MeterRegistry meters) {
        this.store = new DeadLetterStore(transactions);
        this.requests = new DeadLetterRequest(json);
        this.clock = clock;
        this.meters = meters;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response record(@Context HttpHeaders headers, byte[] body) {
        DeadLetter letter;
        try {
            letter = requests.read(headers.getHeaderString(HttpHeaders.CONTENT_TYPE), headers::getHeaderString, body,
                    clock.instant());
        } catch (InvalidDeadLetterException e) {
            return error(400, e.getMessage());
        }
        try {
            if (store.record(letter)) {
                LOG.warnf("dead letter: %s from %s (id %s) to %s failed with %s", letter.type(), letter.source(),
                        letter.id(), letter.errorDestination(), letter.errorCode());
                counter(letter).increment();
            }
        } catch (StoreException e) {
            LOG.warnf(e, "dead letter %s from %s: the run store failed", letter.id(), letter.source());
            return Response.fromResponse(error(503, "the run store is unavailable; retry later"))
                    .header("Retry-After", "5").build();
        }
        return Response.accepted().build();
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

    /**
     * By the HTTP status the subscriber answered, never by type or source, which callers choose; anything but a
     * three-digit status counts as {@code other}, so a sender cannot grow the label set.
     */
    private Counter counter(DeadLetter letter) {
        String code = letter.errorCode() == null ? "none"
                : letter.errorCode().matches("[1-5][0-9][0-9]") ? letter.errorCode() : "other";
        return Counter.builder("quiver.orchestration.dead.letters")
                .description("Events the broker could not deliver, recorded once each")
                .tag("code", code)
                .register(meters);
    }

    private static Response error(int status, String message) {
        return Response.status(status).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON).build();
    }
}
