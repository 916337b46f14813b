package dev.quiver.orchestration.deadletter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.orchestration.events.ErrorReplies;
import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.StoreRefusedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * The dead-letter sink of every Trigger: {@code POST /dead-letters} records what the broker could not deliver and
 * answers 202 (a 2xx ends the broker's attempts; 202 carries no reply event), a redelivery included; a request that is
 * no CloudEvent is a 400, a store that cannot be reached a 503 with {@code Retry-After}, so that the broker retries.
 * A route on the router with its own bounded body handler, as the event endpoint is: a dead letter may come with no
 * data at all, and is then recorded with none.
 */
@ApplicationScoped
public class DeadLetterRoute {

    private static final Logger LOG = Logger.getLogger(DeadLetterRoute.class);
    private static final String PATH = "/dead-letters";
    private static final long MAX_EVENT_BYTES = 1 << 20;

    private final DeadLetterStore store;
    private final DeadLetterRequest requests;
    private final ErrorReplies replies;
    private final Clock clock;
    private final MeterRegistry meters;

    public DeadLetterRoute(DeadLetterStore store, ObjectMapper json, ErrorReplies replies, Clock clock,
                           MeterRegistry meters) {
        this.store = store;
        this.requests = new DeadLetterRequest(json);
        this.replies = replies;
        this.clock = clock;
        this.meters = meters;
    }

    void install(@Observes @Priority(SizedBodyHandler.ENDPOINT_PRIORITY) Router router) {
        new SizedBodyHandler(MAX_EVENT_BYTES, "1 MiB per dead letter").install(router, HttpMethod.POST, PATH);
        router.post(PATH).order(AdmissionLayer.ROUTE_ORDER + 1)
                .blockingHandler(this::record, false);
    }

    private void record(RoutingContext context) {
        DeadLetter letter;
        try {
            letter = requests.read(context.request().getHeader("Content-Type"), context.request()::getHeader,
                    SizedBodyHandler.bytes(context), clock.instant());
        } catch (InvalidDeadLetterException e) {
            replies.send(context, 400, e.getMessage());
            return;
        }
        try {
            if (store.record(letter)) {
                LOG.warnf("dead letter: %s from %s (id %s) to %s failed with %s", letter.type(), letter.source(),
                        letter.id(), letter.errorDestination(), letter.errorCode());
                counter(letter).increment();
            }
        } catch (StoreRefusedException e) {
            replies.send(context, 400, e.getMessage());
            return;
        } catch (StoreException e) {
            LOG.warnf(e, "dead letter %s from %s: the run store failed", letter.id(), letter.source());
            context.response().putHeader("Retry-After", "5");
            replies.send(context, 503, "the run store is unavailable; retry later");
            return;
        }
        context.response().setStatusCode(202).end();
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
}
