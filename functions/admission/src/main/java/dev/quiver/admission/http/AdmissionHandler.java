package dev.quiver.admission.http;

import dev.quiver.admission.audit.AdmissionMetrics;
import dev.quiver.admission.audit.Outcome;
import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.concurrency.BodyBudget;
import dev.quiver.admission.concurrency.CallerQueues;
import dev.quiver.admission.concurrency.Permit;
import dev.quiver.admission.concurrency.QueueRejection;
import dev.quiver.admission.concurrency.ReplicaCapacity;
import dev.quiver.admission.concurrency.TrafficClass;
import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.identity.CallerResolver;
import dev.quiver.admission.identity.EventDeliveries;
import dev.quiver.admission.identity.FailedAuthentications;
import dev.quiver.admission.identity.InvalidCredentialException;
import dev.quiver.admission.identity.RequestFacts;
import dev.quiver.admission.limit.BucketKey;
import dev.quiver.admission.limit.BucketStore;
import dev.quiver.admission.plan.Plan;
import dev.quiver.admission.plan.PlanCatalog;
import dev.quiver.admission.plan.Plans;
import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The admission layer on the router, ahead of every endpoint and of the reading of any body, deciding on the headers
 * and the path the router dispatches on (normalised, so that dot segments lead nowhere unadmitted): who is calling,
 * whether the caller's buckets have a token, whether it may run now, later (in its line) or not at all, whether the
 * replica's pool has room, and whether the replica's body budget has room for the body. Health and metrics pass
 * every check but the body budget. Refusals are answered here, before a byte of the body is read (the unread body is
 * then drained, not kept); admitted requests carry the rate-limit fields and go on, holding their places until the
 * response has gone out. Nothing here blocks a thread.
 */
public final class AdmissionHandler implements Handler<RoutingContext> {

    /** Where later handlers find the request's {@link Caller}. */
    public static final String CALLER = "quiver.admission.caller";
    /** What a body sent in chunks is first reserved: enough for most whole, and refused at once when there is not. */
    private static final long FIRST_CHUNKS = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(AdmissionHandler.class);

    private final PlanCatalog plans;
    private final CallerResolver callers;
    private final FailedAuthentications failures;
    private final BucketStore buckets;
    private final CallerQueues queues;
    private final ReplicaCapacity replica;
    private final AdmissionMetrics metrics;
    private final UsageLedger ledger;
    private final RateLimitFields fields;
    private final List<String> exemptPrefixes;

    public AdmissionHandler(PlanCatalog plans, CallerResolver callers, FailedAuthentications failures,
                            BucketStore buckets, CallerQueues queues, ReplicaCapacity replica,
                            AdmissionMetrics metrics, UsageLedger ledger, RateLimitFields fields,
                            List<String> exemptPrefixes) {
        this.plans = plans;
        this.callers = callers;
        this.failures = failures;
        this.buckets = buckets;
        this.queues = queues;
        this.replica = replica;
        this.metrics = metrics;
        this.ledger = ledger;
        this.fields = fields;
        this.exemptPrefixes = List.copyOf(exemptPrefixes);
    }

    @Override
    public void handle(RoutingContext context) {
        String path = context.normalizedPath();
        for (String prefix : exemptPrefixes) {
            if (path.startsWith(prefix)) {
                BodyBudget.Reservation body = replica.bodies().tryReserve(bodyBytes(context.request()));
                if (body == null) {
                    send(context, Rejections.bodies(replica));
                    return;
                }
                context.put(AdmittedBody.KEY, new AdmittedBody(body, replica));
                context.addEndHandler(ended -> body.release());
                context.next();
                return;
            }
        }
        RequestFacts facts = facts(context.request(), path);
        byte[] client = callers.client(facts);
        if (facts.presentsCredential()) {
            OptionalLong wait = failures.retryAfterSeconds(client);
            if (wait.isPresent()) {
                metrics.decided("none", Outcome.LIMITED);
                send(context, Rejections.failedAuthentications(failures.limit(), failures.period(),
                        wait.getAsLong()));
                return;
            }
        }
        Plans current = plans.current();
        Caller caller;
        try {
            caller = callers.resolve(facts, client, current);
        } catch (InvalidCredentialException e) {
            failures.failed(client);
            metrics.decided("none", Outcome.UNAUTHORIZED);
            send(context, Rejections.unauthorized(e.getMessage()));
            return;
        }
        Plan plan = current.get(caller.plan());
        BucketKey bucket = BucketKey.of(caller, plan, current.version());
        context.put(CALLER, caller);
        if (VertxContext.isOnDuplicatedContext()) {
            ContextLocals.put(Ticket.KEY, new Ticket(caller, plan, bucket));
        }
        if (!plan.rateLimited()) {
            waitForTurn(context, caller, plan, bucket, false);
            return;
        }
        onContext(buckets.consume(bucket, 1), (quota, failure) -> {
            if (failure != null) {
                // the stores fall back on their own; reaching here is a bug, and refusing everyone would be worse
                LOG.errorf(failure, "rate-limit decision failed for %s; admitting", caller.label());
            } else {
                if (!quota.consumed()) {
                    refuse(context, caller, plan, Outcome.LIMITED, Rejections.rateLimited(quota, fields, 1));
                    return;
                }
                context.response().putHeader(RateLimitFields.POLICY, fields.policy(quota.plan()));
                context.response().putHeader(RateLimitFields.RATE_LIMIT, fields.rateLimit(quota));
            }
            waitForTurn(context, caller, plan, bucket, failure == null);
        });
    }

    private void waitForTurn(RoutingContext context, Caller caller, Plan plan, BucketKey bucket, boolean charged) {
        if (!plan.concurrencyLimited()) {
            enterPool(context, caller, plan, bucket, charged, Permit.NONE);
            return;
        }
        CompletableFuture<Permit> turn = queues.acquire(caller.key(), plan.name(), plan.concurrency(), plan.queue(),
                plan.queueTimeout());
        if (!turn.isDone()) {
            metrics.decided(plan.name(), Outcome.QUEUED);
            ledger.record(caller, Outcome.QUEUED);
        }
        onContext(turn, (permit, failure) -> {
            if (failure instanceof QueueRejection rejection) {
                Outcome outcome = rejection.reason() == QueueRejection.Reason.TIMED_OUT ? Outcome.TIMED_OUT
                        : Outcome.REJECTED;
                refuse(context, caller, plan, outcome, Rejections.concurrency(plan, rejection.getMessage()));
            } else if (context.response().closed()) {
                permit.release();
            } else {
                enterPool(context, caller, plan, bucket, charged, permit);
            }
        });
    }

    private void enterPool(RoutingContext context, Caller caller, Plan plan, BucketKey bucket, boolean charged,
                           Permit turn) {
        TrafficClass kind = TrafficClass.of(caller);
        Permit place = replica.pool().tryEnter(kind);
        Rejection full = place == null ? Rejections.shed(replica.retryAfter(), replica.pool(), kind) : null;
        BodyBudget.Reservation body = place == null ? null : replica.bodies().tryReserve(
                bodyBytes(context.request()));
        if (place != null && body == null) {
            place.release();
            full = Rejections.bodies(replica);
        }
        if (full != null) {
            turn.release();
            if (charged) {
                buckets.refund(bucket, 1);
            }
            refuse(context, caller, plan, Outcome.SHED, full);
            return;
        }
        context.put(AdmittedBody.KEY, new AdmittedBody(body, replica));
        context.addEndHandler(ended -> {
            body.release();
            place.release();
            turn.release();
        });
        metrics.decided(plan.name(), Outcome.ADMITTED);
        ledger.record(caller, Outcome.ADMITTED);
        context.next();
    }

    private void refuse(RoutingContext context, Caller caller, Plan plan, Outcome outcome, Rejection rejection) {
        metrics.decided(plan.name(), outcome);
        ledger.record(caller, outcome);
        send(context, rejection);
    }

    /**
     * Answers a refusal before the body is read. A client that asked to be told before sending its body
     * ({@code Expect: 100-continue}) is never told to send it: the connection closes once the answer is out. Any other
     * body on its way is drained and dropped, never kept, so the answer reaches the client through any proxy.
     */
    private static void send(RoutingContext context, Rejection rejection) {
        HttpServerRequest request = context.request();
        boolean bodyHeldBack = !request.isEnded() && "100-continue".equalsIgnoreCase(request.getHeader(
                HttpHeaders.EXPECT));
        if (bodyHeldBack) {
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
            context.addEndHandler(ended -> request.connection().close());
        }
        rejection.send(context);
        if (!bodyHeldBack && !request.isEnded()) {
            request.resume();
        }
    }

    /**
     * The body bytes reserved for a request before its first is read: its Content-Length, or, for a body sent in
     * chunks, its first {@link #FIRST_CHUNKS} bytes; the body reader reserves the rest as it arrives.
     */
    private long bodyBytes(HttpServerRequest request) {
        long declared = SizedBodyHandler.declaredLength(request);
        if (declared >= 0) {
            return Math.min(declared, replica.maxBodyBytes());
        }
        boolean unknown = request.headers().contains(HttpHeaders.CONTENT_LENGTH)
                || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
        return unknown ? Math.min(FIRST_CHUNKS, replica.maxBodyBytes()) : 0;
    }

    /** Continues on the request's own context: at once when the answer is there, else when it arrives. */
    private static <T> void onContext(CompletableFuture<T> future, BiConsumer<T, Throwable> then) {
        if (future.isDone()) {
            complete(future, then);
            return;
        }
        Context context = Vertx.currentContext();
        future.whenComplete((value, failure) -> context.runOnContext(ignored -> complete(future, then)));
    }

    private static <T> void complete(CompletableFuture<T> future, BiConsumer<T, Throwable> then) {
        T value = null;
        Throwable failure = null;
        try {
            value = future.join();
        } catch (CompletionException e) {
            failure = e.getCause();
        } catch (RuntimeException e) {
            failure = e;
        }
        then.accept(value, failure);
    }

    private static RequestFacts facts(HttpServerRequest request, String path) {
        SocketAddress peer = request.remoteAddress();
        return new RequestFacts(path, request.getHeader("Authorization"), request.getHeader("X-API-Key"),
                eventSecret(request), peer == null ? null : peer.hostAddress(), request.getHeader("Forwarded"),
                request.getHeader("X-Forwarded-For"));
    }

    private static String eventSecret(HttpServerRequest request) {
        if (request.query() == null) {
            return null;
        }
        try {
            return request.getParam(EventDeliveries.SECRET_PARAMETER);
        } catch (IllegalArgumentException e) {
            // a query string that does not decode presents no secret; the endpoint refuses it for what it is
            return null;
        }
    }
}
