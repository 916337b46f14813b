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
 * @param signs        what says so, each a clause: the failure's kind, a failed data check, an input found gone or
 *                     corrupt
 * @param lost         the inputs found gone or corrupt, in the order the attempt was given them
 * @param failedChecks the data checks that failed, by name
 * @param rerun        the input whose producer runs again: the first lost one with a producer or, when none is known
 *                     lost, the first with a producer; empty when no upstream step produces what is missing
 */
record LostData(List<String> signs, List<Input> lost, List<String> failedChecks, Optional<Input> rerun) {

    LostData {
        signs = List.copyOf(signs);
        lost = List.copyOf(lost);
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
        List<Input> lost = evidence.inputs().stream().filter(Input::lost).toList();
        lost.forEach(input -> signs.add(lost(input)));
        if (signs.isEmpty()) {
            return Optional.empty();
        }
        List<Input> candidates = lost.isEmpty() ? evidence.inputs() : lost;
        Optional<Input> rerun = candidates.stream().filter(input -> input.producer() != null).findFirst();
        return Optional.of(new LostData(signs, lost, failedChecks, rerun));
    }

    /**
     * {@code input train.csv of ingest is gone}, or {@code input train.csv of ingest is corrupt: its content no longer
     * matches its digest}.
     */
    static String lost(Input input) {
        return "input " + input.name() + (input.producer() == null ? "" : " of " + input.producer())
                + (input.availability() == FailureEvidence.Availability.CORRUPT
                ? " is corrupt: its content no longer matches its digest" : " is gone");
    }

    /** The names of the lost inputs that are {@code availability}. */
    List<String> names(FailureEvidence.Availability availability) {
        return lost.stream().filter(input -> input.availability() == availability).map(Input::name).toList();
    }

    /** Whether the input to bring back is one found lost, rather than only the first the step was given. */
    boolean rerunIsKnownLost() {
        return !lost.isEmpty();
    }
}
