package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.FailureEvidence.Input;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What says the failed attempt's data is gone, and which upstream step would bring it back. Running the same step
 * again cannot help when an input is gone; running its producer again can.
 *
 * @param signs        what says so, each a clause: the failure's kind, a failed data check, an input found gone
 * @param gone         the inputs found gone, in the order the attempt was given them
 * @param failedChecks the data checks that failed, by name
 * @param rerun        the input whose producer runs again: the first gone one with a producer or, when none is known
 *                     gone, the first with a producer; empty when no upstream step produces what is missing
 */
record LostData(List<String> signs, List<Input> gone, List<String> failedChecks, Optional<Input> rerun) {

    LostData {
        signs = List.copyOf(signs);
        gone = List.copyOf(gone);
        failedChecks = List.copyOf(failedChecks);
    }

    /** Empty when nothing says data is lost. */
    static Optional<LostData> of(FailureEvidence evidence, FailureClassification.Classified classified) {
        List<String> signs = new ArrayList<>();
        if (classified.kind() == FailureKind.DATA_LOST) {
            signs.add(classified.by() + " says an input is gone or corrupt");
        }
        List<String> failedChecks = evidence.dataChecks().entrySet().stream()
                .filter(check -> !check.getValue())
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        failedChecks.forEach(check -> signs.add("data check " + check + " failed"));
        List<Input> gone = evidence.inputs().stream().filter(input -> Boolean.FALSE.equals(input.available())).toList();
        gone.forEach(input -> signs.add(gone(input)));
        if (signs.isEmpty()) {
            return Optional.empty();
        }
        List<Input> candidates = gone.isEmpty() ? evidence.inputs() : gone;
        Optional<Input> rerun = candidates.stream().filter(input -> input.producer() != null).findFirst();
        return Optional.of(new LostData(signs, gone, failedChecks, rerun));
    }

    /** {@code input train.csv of ingest is gone}. */
    static String gone(Input input) {
        return "input " + input.name() + (input.producer() == null ? "" : " of " + input.producer()) + " is gone";
    }

    /** Whether the input to bring back is one found gone, rather than only the first the step was given. */
    boolean rerunIsKnownGone() {
        return !gone.isEmpty();
    }
}
