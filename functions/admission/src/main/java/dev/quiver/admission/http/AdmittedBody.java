package dev.quiver.admission.http;

import dev.quiver.admission.concurrency.BodyBudget;
import dev.quiver.admission.concurrency.ReplicaCapacity;

/**
 * The share of the replica's body budget the admission layer reserved for a request, kept on its routing context
 * ({@link #KEY}): the body reader ({@link SizedBodyHandler}) grows it as the bytes of a body sent in chunks arrive, and
 * refuses the body when the budget has no room for them.
 */
record AdmittedBody(BodyBudget.Reservation reservation, ReplicaCapacity replica) {

    static final String KEY = "quiver.admission.body";

    /** The 503 of a body the budget has no room for. */
    Rejection full() {
        return Rejections.bodies(replica);
    }
}
