package dev.quiver.admission.http;

import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.identity.Caller;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /admission/usage}: this replica's per-caller counts since the last audit report, for admins only
 * (an API key marked admin, or a token in the admin group). It runs behind the admission handler, which has already
 * refused invalid credentials.
 */
public final class UsageEndpoint implements Handler<RoutingContext> {

    public static final String PATH = "/admission/usage";

    private final UsageLedger ledger;

    public UsageEndpoint(UsageLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void handle(RoutingContext context) {
        Caller caller = context.get(AdmissionHandler.CALLER);
        if (caller == null || !caller.authenticated()) {
            Rejections.unauthorized("usage: an admin credential is required (X-API-Key or Authorization: Bearer)")
                    .send(context);
            return;
        }
        if (!caller.admin()) {
            Rejections.forbidden("usage: " + caller.label() + " is not an admin").send(context);
            return;
        }
        UsageLedger.Report report = ledger.snapshot();
        JsonObject body = new JsonObject()
                .put("from", report.from().toString())
                .put("to", report.to().toString())
                .put("callers", report.callers().stream().map(JsonObject::mapFrom).toList());
        context.response().putHeader("Content-Type", "application/json").end(body.encode());
    }
}
