package dev.quiver.admission.http;

import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.limit.BucketKey;
import dev.quiver.admission.plan.Plan;

/** An admitted request's caller, plan and bucket, kept on the request's context for charges made later. */
public record Ticket(Caller caller, Plan plan, BucketKey bucket) {

    public static final String KEY = "quiver.admission.ticket";
}
