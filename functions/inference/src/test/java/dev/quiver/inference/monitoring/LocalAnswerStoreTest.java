package dev.quiver.inference.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One label counts per answer, in the in-process store as in Redis's script. */
class LocalAnswerStoreTest {

    private final LocalAnswerStore store = new LocalAnswerStore(100, Duration.ofMinutes(1));
    private final Answer answer = new Answer(3, PredictionKind.CLASSIFIER, new double[] {7});

    @Test
    void theFirstLabelClaimsTheAnswerItsRedeliveryChangesNothingAnotherIsADuplicate() {
        store.remember("digits", "req-1", answer);
        assertThat(claim("req-1", "label-a")).isEqualTo(new LabelMatch(LabelMatch.Outcome.MATCHED, answer));
        assertThat(claim("req-1", "label-a")).isEqualTo(LabelMatch.REDELIVERED);
        assertThat(claim("req-1", "label-b")).isEqualTo(LabelMatch.DUPLICATE);
    }

    @Test
    void anAnswerOfAnotherModelOrNeverKeptIsUnmatched() {
        store.remember("digits", "req-1", answer);
        assertThat(claim("req-2", "label-a")).isEqualTo(LabelMatch.UNMATCHED);
        assertThat(store.claim("other", "req-1", "label-a").toCompletableFuture().join())
                .isEqualTo(LabelMatch.UNMATCHED);
    }

    @Test
    void aReleasedClaimLetsACorrectedLabelCount() {
        store.remember("digits", "req-1", answer);
        claim("req-1", "label-a");
        store.release("digits", "req-1");
        assertThat(claim("req-1", "label-b").outcome()).isEqualTo(LabelMatch.Outcome.MATCHED);
    }

    @Test
    void answersAreTextThatSurvivesTheSharedStore() {
        Answer values = new Answer(12, PredictionKind.REGRESSOR, new double[] {1.5, -2, 1e20, 0.1});
        assertThat(Answer.decode(values.encode())).isEqualTo(values);
        assertThat(Answer.decode(answer.encode())).isEqualTo(answer);
        assertThat(answer.encode()).isEqualTo("3|classifier|7");
    }

    private LabelMatch claim(String id, String labelEvent) {
        return store.claim("digits", id, labelEvent).toCompletableFuture().join();
    }
}
