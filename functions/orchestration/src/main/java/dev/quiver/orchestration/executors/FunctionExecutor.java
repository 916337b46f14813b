package dev.quiver.orchestration.executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.orchestration.events.EventLogContext;
import io.cloudevents.CloudEvent;
import io.opentelemetry.context.Context;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import org.jboss.logging.Logger;

/**
 * The {@code function} executor: sends the step to a function as a binary-mode CloudEvent and takes the function's
 * answer as the step's result. {@code params.url} is where (required); {@code params.type} the event type (default
 * {@code dev.quiver.step.dispatched}) and {@code params.data} the event data (default the dispatched step itself);
 * data sent as a catalog type must meet its schema, or the step fails as {@code InvalidConfiguration} unsent. The
 * event's id follows from the run, instance and attempt, so a function sees a resend as the same event; the instance
 * is its {@code subject}, and the run, instance and attempt its {@code runid}, {@code stepid} and {@code attempt}
 * extensions. A 2xx completes the step with the answer's JSON object as outputs; a 4xx fails it as
 * {@code FunctionRejected} (it would be refused again), a 5xx, a timeout or no connection as
 * {@code FunctionUnavailable}.
 */
@ApplicationScoped
public class FunctionExecutor {

    private static final Logger LOG = Logger.getLogger(FunctionExecutor.class);
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final StepReports reports;
    private final ObjectMapper json;
    private final EventCodec codec;
    private final CloudEventSender sender;
    private final URI source;
    /** Each call is made in the trace context the step was started in, so that the call joins the run's trace. */
    private final ExecutorService threads = Context.taskWrapping(Executors.newVirtualThreadPerTaskExecutor());
    /** The calls waiting for an answer, by run, instance and attempt. */
    private final Map<String, Future<?>> calls = new ConcurrentHashMap<>();

    @Inject
    public FunctionExecutor(StepReports reports, ObjectMapper json, EventCodec codec, CloudEventSender sender,
                            OrchestrationConfig config) {
        this(reports, json, codec, sender, URI.create(config.source()));
    }

    FunctionExecutor(StepReports reports, ObjectMapper json, EventCodec codec, CloudEventSender sender, URI source) {
        this.reports = reports;
        this.json = json;
        this.codec = codec;
        this.sender = sender;
        this.source = source;
    }

    /** Sends the step and returns at once; the answer reports the step. */
    public void start(StepDispatched step) {
        String call = call(step.runId(), step.instance(), step.attempt());
        FutureTask<Void> task = new FutureTask<>(() -> {
            send(step);
            return null;
        });
        // registered before it runs, so that its end always finds it to remove
        calls.put(call, task);
        threads.execute(() -> {
            try (EventLogContext logged = EventLogContext.of(step.runId(), step.instance())) {
                task.run();
            } finally {
                calls.remove(call, task);
            }
        });
    }

    private void send(StepDispatched step) {
        try {
            invoke(step);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s: %s could not be sent to its function", step.runId(), step.instance());
            fail(step, "ExecutorError", null, e.getMessage());
        }
    }

    /**
     * Stops waiting for the attempt's answer (it was preempted or cancelled, and is recorded so): its call is
     * interrupted and nothing is reported of it. The function may still have done its work.
     */
    public void abandon(String runId, String instance, int attempt) {
        Future<?> call = calls.remove(call(runId, instance, attempt));
        if (call != null) {
            call.cancel(true);
            LOG.infof("run %s: %s attempt %d: its function's answer is no longer awaited", runId, instance, attempt);
        }
    }

    private static String call(String runId, String instance, int attempt) {
        return runId + '/' + instance + '/' + attempt;
    }

    @PreDestroy
    void stop() {
        threads.shutdownNow();
    }

    private void invoke(StepDispatched step) throws InterruptedException {
        URI url;
        try {
            url = step.params().get("url") instanceof String text ? URI.create(text) : null;
        } catch (IllegalArgumentException e) {
            url = null;
        }
        if (url == null || !List.of("http", "https").contains(url.getScheme())) {
            fail(step, "InvalidConfiguration", null, "params.url: required, the function's http(s) URL, got "
                    + step.params().get("url"));
            return;
        }
        CloudEvent event;
        try {
            event = event(step);
        } catch (IllegalArgumentException e) {
            fail(step, "InvalidConfiguration", null, "params.data: " + e.getMessage());
            return;
        }
        HttpResponse<byte[]> response;
        try {
            response = sender.send(url, event, TIMEOUT);
        } catch (IOException e) {
            fail(step, "FunctionUnavailable", null, url + " could not be reached: " + e.getMessage());
            return;
        }
        int status = response.statusCode();
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (status / 100 == 2) {
            reports.completed(new StepCompleted(step.runId(), step.instance(), step.attempt(), outputs(body),
                    Map.of(), List.of()));
        } else if (status / 100 == 4) {
            fail(step, "FunctionRejected", status, url + " answered " + status + ": " + body);
        } else {
            fail(step, "FunctionUnavailable", status, url + " answered " + status + ": " + body);
        }
    }

    /** The dispatched step as its event, or the type and data the step's parameters choose. */
    private CloudEvent event(StepDispatched step) {
        String id = UUID.nameUUIDFromBytes((step.runId() + '/' + step.instance() + '/' + step.attempt())
                .getBytes(StandardCharsets.UTF_8)).toString();
        Map<String, String> correlation = Map.of(CorrelationExtensions.RUN_ID, step.runId(),
                CorrelationExtensions.STEP_ID, step.instance(), CorrelationExtensions.ATTEMPT,
                Integer.toString(step.attempt()));
        String type = step.params().get("type") instanceof String text ? text : EventTypes.STEP_DISPATCHED;
        if (type.equals(EventTypes.STEP_DISPATCHED) && !step.params().containsKey("data")) {
            return codec.encode(id, type, source, step.instance(), step, correlation);
        }
        Object data = step.params().containsKey("data") ? step.params().get("data") : step;
        return codec.encodeForeign(id, type, source, step.instance(), data, correlation);
    }

    private Map<String, Object> outputs(String body) {
        if (body.isBlank()) {
            return Map.of();
        }
        try {
            JsonNode answer = json.readTree(body);
            if (answer.isObject()) {
                return json.convertValue(answer, json.getTypeFactory().constructMapType(Map.class, String.class,
                        Object.class));
            }
            return Map.of("response", json.convertValue(answer, Object.class));
        } catch (JsonProcessingException e) {
            return Map.of("response", body);
        }
    }

    private void fail(StepDispatched step, String errorClass, Integer status, String message) {
        reports.failed(new StepFailed(step.runId(), step.instance(), step.attempt(), errorClass, status, false,
                message));
    }
}
