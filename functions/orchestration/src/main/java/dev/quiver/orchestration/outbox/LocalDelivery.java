package dev.quiver.orchestration.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Embedded mode's broker: the function itself takes every event. Dispatched steps are started by the relay once
 * their event is marked sent, as in every mode ({@link dev.quiver.orchestration.dispatch.StepRouter}); the other
 * events have no consumer here and are logged.
 */
@ApplicationScoped
public class LocalDelivery implements Delivery {

    private static final Logger LOG = Logger.getLogger(LocalDelivery.class);

    @Override
    public boolean deliver(Outbox.Entry entry) {
        LOG.infof("%s for run %s%s", entry.type(), entry.runId(),
                entry.subject() == null ? "" : " (" + entry.subject() + ")");
        return true;
    }
}
