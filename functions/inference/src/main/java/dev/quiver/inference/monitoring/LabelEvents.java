package dev.quiver.inference.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.events.EventCodec;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.model.InferenceLabel;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import io.cloudevents.CloudEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code dev.quiver.inference.label} in, nothing out (202): the true answer of an earlier prediction, joined to it by
 * its inference id, scores the version that answered (right or wrong per item for a classifier, the absolute error
 * for a regressor). Counted in {@code quiver_model_labels_total{model,version,outcome}}.
 *
 * <p>A label that finds no answer (an id never answered, answered by another model, or kept longer than
 * {@code answer-ttl}) is a no-op counted {@code unmatched}, answered 202 like any other: a 404 would be retried by a
 * Knative broker (it retries 404 as well as 5xx) and could never succeed. A second label for the same answer is
 * counted {@code duplicate} and changes nothing (the first counts); the same label event again (same source and id)
 * changes nothing at all. A label for a model that keeps no answers ({@code monitoring.labels}) is a 400: it could
 * never be joined. A label that can never be read (no number, an item count other than the answer's, a class
 * that is not a whole number) is a 400 naming the field; only a store that cannot be reached is a 503, which the
 * broker retries.
 */
@ApplicationScoped
public class LabelEvents {

    private static final String UNKNOWN_MODEL = "_unknown";
    private static final String NO_VERSION = "_none";

    private final ModelMonitoring monitoring;
    private final ModelRegistry registry;
    private final EventCodec codec;
    private final MeterRegistry meters;

    public LabelEvents(ModelMonitoring monitoring, ModelRegistry registry, EventCodec codec, MeterRegistry meters) {
        this.monitoring = monitoring;
        this.registry = registry;
        this.codec = codec;
        this.meters = meters;
    }

    /** Takes a label event whose data the guard has read as JSON; completes with no reply event. */
    public CompletableFuture<CloudEvent> received(CloudEvent event) {
        InferenceLabel label;
        try {
            label = codec.decode(event, InferenceLabel.class);
        } catch (InvalidEventException e) {
            throw InferenceException.invalidInput(e.getMessage());
        }
        checkShape(label.label());
        if (!monitoring.enabled()) {
            return CompletableFuture.completedFuture(null);
        }
        ModelEntry model = registry.models().get(label.model());
        if (model == null) {
            count(UNKNOWN_MODEL, NO_VERSION, "unmatched");
            return CompletableFuture.completedFuture(null);
        }
        checkOutput(model, label.output());
        checkKeepsAnswers(model);
        String labelEvent = event.getSource() + "\u0000" + event.getId();
        return monitoring.answers().claim(label.model(), label.inferenceId(), labelEvent)
                .thenApply(match -> {
                    switch (match.outcome()) {
                        case MATCHED -> score(label, match.answer());
                        case UNMATCHED -> count(label.model(), NO_VERSION, "unmatched");
                        case DUPLICATE -> count(label.model(), NO_VERSION, "duplicate");
                        case REDELIVERED -> {
                        }
                    }
                    return (CloudEvent) null;
                })
                .exceptionally(failure -> {
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (cause instanceof InferenceException e) {
                        throw e;
                    }
                    throw InferenceException.unavailable("label for inference " + label.inferenceId()
                            + ": the store of answers cannot be reached: " + cause.getMessage(),
                            registry.retryAfter());
                })
                .toCompletableFuture();
    }

    /** A label for a model whose loaded versions keep no answers could never be joined: refused, not retried. */
    private static void checkKeepsAnswers(ModelEntry model) {
        boolean loaded = false;
        for (VersionEntry version : model.versions().values()) {
            if (version.model() != null) {
                if (version.model().config().monitoring().keepsAnswers()) {
                    return;
                }
                loaded = true;
            }
        }
        if (loaded) {
            throw InferenceException.invalidInput("model: " + model.name() + " keeps no answers to join labels to; "
                    + "set monitoring: {labels: true} (or min_accuracy, max_mae) in its config.yaml");
        }
    }

    /** Scores each labelled item; a label that does not fit the answer gives its claim back and is refused. */
    private void score(InferenceLabel label, Answer answer) {
        double[] truth;
        try {
            truth = truth(label, answer);
        } catch (InferenceException e) {
            monitoring.answers().release(label.model(), label.inferenceId());
            throw e;
        }
        String version = Long.toString(answer.version());
        Optional<VersionMonitor> monitor = monitoring.servedMonitor(label.model(), answer.version());
        monitor.ifPresent(m -> m.accuracyGauges(answer.kind()));
        for (int i = 0; i < truth.length; i++) {
            double predicted = answer.values()[i];
            if (answer.kind() == PredictionKind.CLASSIFIER) {
                boolean right = predicted == truth[i];
                monitor.ifPresent(m -> m.label(PredictionKind.CLASSIFIER, right ? 1 : 0));
                count(label.model(), version, right ? "correct" : "wrong");
            } else {
                double error = Math.abs(predicted - truth[i]);
                monitor.ifPresent(m -> m.label(PredictionKind.REGRESSOR, error));
                count(label.model(), version, "scored");
            }
        }
    }

    private static double[] truth(InferenceLabel label, Answer answer) {
        JsonNode given = label.label();
        int items = answer.values().length;
        double[] truth;
        if (given.isArray()) {
            if (given.size() != items) {
                throw InferenceException.invalidInput("label: inference " + label.inferenceId() + " answered "
                        + items + " item" + (items == 1 ? "" : "s") + ", the label has " + given.size());
            }
            truth = new double[items];
            for (int i = 0; i < items; i++) {
                truth[i] = given.get(i).asDouble();
            }
        } else {
            if (items != 1) {
                throw InferenceException.invalidInput("label: inference " + label.inferenceId() + " answered "
                        + items + " items; expected an array of " + items + " labels, one per item");
            }
            truth = new double[] {given.asDouble()};
        }
        if (answer.kind() == PredictionKind.CLASSIFIER) {
            for (int i = 0; i < truth.length; i++) {
                if (truth[i] != Math.rint(truth[i]) || truth[i] < 0) {
                    throw InferenceException.invalidInput((given.isArray() ? "label[" + i + "]" : "label")
                            + ": model " + label.model() + " is a classifier: expected a class index (a whole number "
                            + "from 0), got " + truth[i]);
                }
            }
        }
        return truth;
    }

    /** A number, or an array of numbers, before any store is asked. */
    private static void checkShape(JsonNode given) {
        if (given.isArray()) {
            if (given.isEmpty()) {
                throw InferenceException.invalidInput("label: expected a number or an array of numbers, one per "
                        + "item, got an empty array");
            }
            for (int i = 0; i < given.size(); i++) {
                if (!given.get(i).isNumber()) {
                    throw InferenceException.invalidInput("label[" + i + "]: expected a number (a class index or a "
                            + "value), got " + InferenceException.shown(given.get(i).toString()));
                }
            }
        } else if (!given.isNumber()) {
            throw InferenceException.invalidInput("label: expected a number (a class index or a value) or an array "
                    + "of them, one per item, got " + InferenceException.shown(given.toString()));
        }
    }

    private static void checkOutput(ModelEntry model, String output) {
        if (output == null) {
            return;
        }
        Optional<String> first = model.latestReady().map(VersionEntry::model)
                .map(loaded -> loaded.signature().outputs().getFirst().name());
        if (first.isPresent() && !first.get().equals(output)) {
            throw InferenceException.invalidInput("output: only the first output of model " + model.name() + ", \""
                    + first.get() + "\", is monitored; got \"" + InferenceException.shown(output) + "\"");
        }
    }

    private void count(String model, String version, String outcome) {
        Counter.builder("quiver.model.labels")
                .description("Labels received, by what they found: correct, wrong (classifiers), scored "
                        + "(regressors), unmatched, duplicate")
                .tags("model", model, "version", version, "outcome", outcome)
                .register(meters)
                .increment();
    }
}
