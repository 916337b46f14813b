package dev.quiver.inference.batch.notification;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * What became of each notification, logged once with its reason and counted in
 * {@code quiver_storage_notifications_total{outcome,reason}}: {@code outcome} is {@code processed} (a completion
 * written or found), {@code skipped} (a 2xx without work) or {@code refused} (a 4xx); {@code reason} is a fixed label
 * ({@link SkipReason#label()}, the refusal's reason, {@code fresh} or {@code redelivered}), never text from a request.
 */
@ApplicationScoped
public class NotificationOutcomes {

    private static final Logger LOG = Logger.getLogger(NotificationOutcomes.class);

    private final MeterRegistry meters;

    public NotificationOutcomes(MeterRegistry meters) {
        this.meters = meters;
    }

    public void skipped(Skipped skipped) {
        LOG.infof("storage notification %s skipped (%s): %s", skipped.record(), skipped.reason().label(),
                skipped.detail());
        count("skipped", skipped.reason().label());
    }

    public void refused(String reason, int status, String message) {
        LOG.warnf("storage notification refused with %d (%s): %s", status, reason, message);
        count("refused", reason);
    }

    public void processed(boolean fresh) {
        count("processed", fresh ? "fresh" : "redelivered");
    }

    private void count(String outcome, String reason) {
        Counter.builder("quiver.storage.notifications").description("Storage notifications by what became of them")
                .tag("outcome", outcome).tag("reason", reason).register(meters).increment();
    }
}
