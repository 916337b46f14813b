package dev.quiver.admission.http;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Hands the endpoints an empty body when a request's body is empty. Quarkus reads every body ahead of the endpoints
 * (Funqy asks for its body handler), and Vert.x's body handler records no buffer at all for an empty body; the REST
 * layer then takes the body for unread and waits for data that never comes, so a POST without a body was never
 * answered. Given an empty buffer, an endpoint runs and refuses the missing body with its own 400.
 */
@ApplicationScoped
public class EmptyRequestBodies {

    void install(@Observes Router router) {
        router.route().order(RouteConstants.ROUTE_ORDER_BODY_HANDLER + 1).handler(EmptyRequestBodies::fill);
    }

    private static void fill(RoutingContext context) {
        if (context.body().buffer() == null && context.request().isEnded()
                && context instanceof RoutingContextInternal internal) {
            internal.setBody(Buffer.buffer());
        }
        context.next();
    }
}
