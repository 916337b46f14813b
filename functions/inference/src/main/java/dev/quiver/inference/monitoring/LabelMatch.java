package dev.quiver.inference.monitoring;

/**
 * What the store of answers made of a label: the answer it is for, or why there is none.
 *
 * @param answer the answer labelled, present exactly when {@link Outcome#MATCHED}
 */
record LabelMatch(Outcome outcome, Answer answer) {

    static final LabelMatch UNMATCHED = new LabelMatch(Outcome.UNMATCHED, null);
    static final LabelMatch REDELIVERED = new LabelMatch(Outcome.REDELIVERED, null);
    static final LabelMatch DUPLICATE = new LabelMatch(Outcome.DUPLICATE, null);

    enum Outcome {
        /** The first label of a known answer. */
        MATCHED,
        /** No answer with that id: never made, made for another model, or expired. */
        UNMATCHED,
        /** The same label event again (same source and id): changes nothing. */
        REDELIVERED,
        /** Another label for an answer labelled already: the first label counts. */
        DUPLICATE
    }
}
