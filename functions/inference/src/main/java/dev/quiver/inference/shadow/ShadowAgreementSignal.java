package dev.quiver.inference.shadow;

import dev.quiver.inference.rollout.RolloutSignal;
import dev.quiver.inference.rollout.Tally;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Shadow agreement as a rollout signal, {@code shadow_agreement}: of the rows a version answered as a shadow candidate
 * on this replica, how many agreed with the serving version's argmax. A rollout judges it with a criterion such as
 * {@code {name: shadow_agreement, min_rate: 0.95, min_trials: 200}}, with the canary as the routing's shadow.
 */
@ApplicationScoped
public class ShadowAgreementSignal implements RolloutSignal {

    private final ShadowScorer shadows;

    public ShadowAgreementSignal(ShadowScorer shadows) {
        this.shadows = shadows;
    }

    @Override
    public String name() {
        return "shadow_agreement";
    }

    @Override
    public Optional<Tally> tally(String model, long version) {
        return shadows.agreements(model, version);
    }
}
