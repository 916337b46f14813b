package dev.quiver.orchestration.outbox;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepRetryDecided;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import dev.quiver.orchestration.retry.RetryAction;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The orchestration's own vocabularies against the schemas of the events that carry them: the outbox refuses an
 * event that breaks its schema, so an executor a pipeline may name or an action the retry decider may take that a
 * schema does not list would fail every run that reaches it.
 */
class EmittedEventsTest {

    private final EventCodec codec = new EventCodec(Clock.systemUTC());

    @Test
    void everyExecutorAPipelineMayNameCanBeDispatched() {
        for (ExecutorKind kind : ExecutorKind.values()) {
            StepDispatched step = new StepDispatched("run-1", "digits", 1, "step", "step", 1, kind.yamlName(),
                    Map.of(), 1000, 1L << 30, 0, 1, null, List.of(), "default", "normal");
            assertThatCode(() -> codec.data(EventTypes.STEP_DISPATCHED, step)).as(kind.yamlName())
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void everyRetryActionCanBeReported() {
        for (RetryAction action : RetryAction.values()) {
            StepRetryDecided decided = new StepRetryDecided("run-1", "digits", "train", 1, action.name(),
                    List.of("why"), Map.of(), null, null, null);
            assertThatCode(() -> codec.data(EventTypes.STEP_RETRY_DECIDED, decided)).as(action.name())
                    .doesNotThrowAnyException();
        }
    }
}
