package dev.quiver.orchestration.http;

import dev.quiver.admission.http.SizedBodyHandler;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every request body of the function is read by {@link SizedBodyHandler}, once the admission layer has let the request
 * in, up to the HTTP layer's limit: a body over it, broken chunks or an unknown expectation are answered as the
 * client's mistakes, and a client that goes away mid-body is no error of ours.
 */
@ApplicationScoped
public class RequestBodies {

    private final long maxBodyBytes;

    public RequestBodies(@ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
                         MemorySize maxBodySize) {
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    void install(@Observes @Priority(SizedBodyHandler.FUNCTION_PRIORITY) Router router) {
        new SizedBodyHandler(maxBodyBytes, "quarkus.http.limits.max-body-size").installEverywhere(router);
    }
}
