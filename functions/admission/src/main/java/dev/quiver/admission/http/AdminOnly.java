package dev.quiver.admission.http;

import dev.quiver.admission.identity.Caller;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Lets only admins (an API key marked admin, or a token in the admin group) through to the next handler: 401 without a
 * credential, 403 for a caller who is not an admin. Runs behind the admission handler, which has already refused
 * invalid credentials and named the caller.
 */
public final class AdminOnly implements Handler<RoutingContext> {

    private final String what;

    /** @param what names the endpoint in the refusal */
    public AdminOnly(String what) {
        this.what = what;
    }

    @Override
    public void handle(RoutingContext context) {
        Caller caller = context.get(AdmissionHandler.CALLER);
        if (caller == null || !caller.authenticated()) {
            Rejections.unauthorized(what + ": an admin credential is required (X-API-Key or Authorization: Bearer)")
                    .send(context);
            return;
        }
        if (!caller.admin()) {
            Rejections.forbidden(what + ": " + caller.label() + " is not an admin").send(context);
            return;
        }
        context.next();
    }
}
