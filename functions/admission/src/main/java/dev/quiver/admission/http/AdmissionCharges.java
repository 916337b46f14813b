package dev.quiver.admission.http;

import dev.quiver.admission.audit.AdmissionMetrics;
import dev.quiver.admission.audit.Outcome;
import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.limit.BucketStore;
import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Per-model cost, charged once a request has been read: a plan may price a model's requests by their items or
 * tensor elements, so that a 256-image batch is not priced like one image. Arrival already took one token; the
 * rest is taken here, and a request whose cost does not fit is refused with 429 before it runs. The answer arrives
 * on the caller's Vert.x context.
 */
public final class AdmissionCharges {

    private static final CompletableFuture<Void> FREE = CompletableFuture.completedFuture(null);

    private final BucketStore buckets;
    private final RateLimitFields fields;
    private final AdmissionMetrics metrics;
    private final UsageLedger ledger;

    public AdmissionCharges(BucketStore buckets, RateLimitFields fields, AdmissionMetrics metrics,
                            UsageLedger ledger) {
        this.buckets = buckets;
        this.fields = fields;
        this.metrics = metrics;
        this.ledger = ledger;
    }

    public CompletionStage<Void> charge(String model, long items, long elements) {
        if (!VertxContext.isOnDuplicatedContext()) {
            return FREE;
        }
        Optional<Ticket> found = ContextLocals.get(Ticket.KEY);
        if (found.isEmpty() || !found.get().plan().rateLimited()) {
            return FREE;
        }
        Ticket ticket = found.get();
        long extra = ticket.plan().extraCost(model, items, elements);
        if (extra <= 0) {
            return FREE;
        }
        Context context = Vertx.currentContext();
        CompletableFuture<Void> charged = new CompletableFuture<>();
        buckets.consume(ticket.bucket(), extra).whenComplete((quota, failure) -> {
            Runnable answer = () -> {
                if (failure == null && !quota.consumed()) {
                    metrics.decided(ticket.plan().name(), Outcome.LIMITED);
                    ledger.record(ticket.caller(), Outcome.LIMITED);
                    charged.completeExceptionally(new AdmissionRejectedException(
                            Rejections.rateLimited(quota, fields, extra + 1)));
                } else {
                    charged.complete(null);
                }
            };
            if (Vertx.currentContext() == context) {
                answer.run();
            } else {
                context.runOnContext(ignored -> answer.run());
            }
        });
        return charged;
    }
}
