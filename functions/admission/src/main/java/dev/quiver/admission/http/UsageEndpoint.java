package dev.quiver.admission.http;

import dev.quiver.admission.audit.UsageLedger;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /admission/usage}: this replica's per-caller counts since the last audit report, for admins only (it runs
 * behind {@link AdminOnly}).
 */
public final class UsageEndpoint implements Handler<RoutingContext> {

    public static final String PATH = "/admission/usage";

    private final UsageLedger ledger;

    public UsageEndpoint(UsageLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void handle(RoutingContext context) {
        UsageLedger.Report report = ledger.snapshot();
        JsonObject body = new JsonObject()
                .put("from", report.from().toString())
                .put("to", report.to().toString())
                .put("callers", report.callers().stream().map(JsonObject::mapFrom).toList());
        context.response().putHeader("Content-Type", "application/json").end(body.encode());
    }
}
