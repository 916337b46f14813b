package dev.quiver.inference.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdminOnly;
import dev.quiver.admission.http.AdmissionHandler;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.admission.identity.Caller;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.http.JsonErrors;
import dev.quiver.storage.ModelRepositoryLayout;
import dev.quiver.storage.ObjectStoreException;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The rollout endpoints, for admins only (they change what every caller is served): {@code POST
 * /v2/models/{name}/rollout} starts one, {@code GET} shows it, {@code POST .../rollout/promote} and {@code .../rollback}
 * end it by hand. They run on a worker thread: each reads and writes the model repository's store.
 */
@ApplicationScoped
public class RolloutRoute {

    private static final String PATH = "/v2/models/:name/rollout";
    private static final long MAX_BODY_BYTES = 64 * 1024;

    private final RolloutController controller;
    private final JsonErrors errors;

    public RolloutRoute(RolloutController controller, JsonErrors errors) {
        this.controller = controller;
        this.errors = errors;
    }

    void install(@Observes @Priority(SizedBodyHandler.ENDPOINT_PRIORITY) Router router) {
        AdminOnly admins = new AdminOnly("model rollouts");
        // a body of promote or rollback, if any, is read and ignored: the decision is in the path
        new SizedBodyHandler(MAX_BODY_BYTES, "a rollout request's limit").install(router, HttpMethod.POST, PATH,
                PATH + "/promote", PATH + "/rollback");
        router.post(PATH).order(AdmissionLayer.ROUTE_ORDER + 1).handler(admins).blockingHandler(this::start, false);
        router.get(PATH).order(AdmissionLayer.ROUTE_ORDER + 1).handler(admins).blockingHandler(this::status, false);
        router.post(PATH + "/promote").order(AdmissionLayer.ROUTE_ORDER + 1).handler(admins)
                .blockingHandler(context -> decide(context, Verdict.Decision.PROMOTE), false);
        router.post(PATH + "/rollback").order(AdmissionLayer.ROUTE_ORDER + 1).handler(admins)
                .blockingHandler(context -> decide(context, Verdict.Decision.ROLLBACK), false);
    }

    private void start(RoutingContext context) {
        handle(context, 201, model -> {
            JsonNode json;
            try {
                json = controller.rollouts().mapper().readTree(SizedBodyHandler.bytes(context));
            } catch (JsonProcessingException e) {
                throw InferenceException.malformedJson(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            RolloutPlan plan = controller.plans().read(json);
            controller.rollouts().start(model, plan, admin(context), controller.servingOtherThan(model,
                    plan.version()));
            return controller.rollouts().status(model).orElseThrow();
        });
    }

    private void status(RoutingContext context) {
        handle(context, 200, model -> controller.rollouts().status(model).orElseThrow(() ->
                InferenceException.notFound("model " + model + " has no rollout; start one with POST "
                        + context.request().path())));
    }

    private void decide(RoutingContext context, Verdict.Decision decision) {
        handle(context, 200, model -> {
            controller.rollouts().decide(model, decision, admin(context));
            return controller.rollouts().status(model).orElseThrow();
        });
    }

    private interface Work {
        Object run(String model);
    }

    private void handle(RoutingContext context, int status, Work work) {
        String model = context.pathParam("name");
        try {
            if (!ModelRepositoryLayout.isModelName(model)) {
                throw InferenceException.invalidInput("model name '" + InferenceException.shown(model)
                        + "': a model name is " + ModelRepositoryLayout.modelNameRule());
            }
            Object answer = work.run(model);
            context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(controller.rollouts().mapper().writeValueAsString(answer));
        } catch (InferenceException e) {
            errors.send(context, e);
        } catch (ObjectStoreException | UncheckedIOException e) {
            errors.send(context, InferenceException.unavailable("the model repository "
                    + controller.rollouts().location() + " cannot be read or written now: " + e.getMessage(),
                    Duration.ofSeconds(5)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a rollout cannot be written as JSON", e);
        }
    }

    private static String admin(RoutingContext context) {
        Caller caller = context.get(AdmissionHandler.CALLER);
        return "admin " + caller.label();
    }
}
