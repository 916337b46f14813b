package dev.quiver.inference.routing;

import dev.quiver.admission.http.Ticket;
import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;
import java.util.Optional;
import java.util.function.Function;

/**
 * The sticky keys of an HTTP request: the caller admission identified, a header, a request parameter. Parameters
 * are looked up only when the model's sticky key names one, so a protocol may read them lazily.
 *
 * @param caller     the admitted caller's key (API key id, token subject, client address), if admission ran
 * @param headers    header name to value, null when absent
 * @param parameters parameter name to value, null when absent
 */
public record RequestKeys(Optional<String> caller, Function<String, String> headers,
                          Function<String, Object> parameters) implements RoutingKeys {

    private static final Function<String, Object> NO_PARAMETERS = name -> null;

    /** The keys of the HTTP request being served on this Vert.x context, without parameters. */
    public static RequestKeys http(Function<String, String> headers) {
        return http(headers, NO_PARAMETERS);
    }

    public static RequestKeys http(Function<String, String> headers, Function<String, Object> parameters) {
        return new RequestKeys(admittedCaller(), headers, parameters);
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.apply(name));
    }

    @Override
    public Optional<String> parameter(String name) {
        Object value = parameters.apply(name);
        return value instanceof String || value instanceof Number || value instanceof Boolean
                ? Optional.of(value.toString()) : Optional.empty();
    }

    /** The caller admission put on the request's context; the key is hashed before use and never shown. */
    private static Optional<String> admittedCaller() {
        if (!VertxContext.isOnDuplicatedContext()) {
            return Optional.empty();
        }
        return ContextLocals.<Ticket>get(Ticket.KEY).map(ticket -> ticket.caller().key());
    }
}
