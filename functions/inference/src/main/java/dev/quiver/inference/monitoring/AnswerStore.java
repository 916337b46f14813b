package dev.quiver.inference.monitoring;

import java.util.concurrent.CompletionStage;

/**
 * Answers waiting for their labels, by model and inference id, each for a limited time. One label counts per answer:
 * the first label event claims it, that same event again is a redelivery, any other label for it is a duplicate.
 */
interface AnswerStore extends AutoCloseable {

    /** Keeps an answer; returns at once, never failing the request that made it. */
    void remember(String model, String inferenceId, Answer answer);

    /**
     * Claims the answer for one label.
     *
     * @param labelEvent the label event's source and id, so that its redelivery is told from another label
     */
    CompletionStage<LabelMatch> claim(String model, String inferenceId, String labelEvent);

    /** Gives an answer's claim back: the label that claimed it was refused and a corrected one may come. */
    void release(String model, String inferenceId);

    /** Where the answers are, for the log and the monitoring endpoint. */
    String where();

    @Override
    void close();
}
