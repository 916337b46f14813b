package dev.quiver.inference.health;

import dev.quiver.inference.repository.ModelRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready}: up once every model in the repository is loaded and has answered a warm-up inference. */
@Readiness
@ApplicationScoped
public class ModelsReadyCheck implements HealthCheck {

    private final ModelRegistry registry;

    public ModelsReadyCheck(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public HealthCheckResponse call() {
        ModelRegistry.Readiness readiness = registry.readiness();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("models").status(readiness.ready());
        registry.models().forEach((name, model) -> response.withData(name, model.ready() ? "ready"
                : model.unavailableReason()));
        if (!readiness.ready()) {
            response.withData("problems", String.join("; ", readiness.problems()));
        }
        return response.build();
    }
}
