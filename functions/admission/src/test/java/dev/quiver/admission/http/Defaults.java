package dev.quiver.admission.http;

import dev.quiver.admission.plan.PlanDefaults;
import java.time.Duration;

/** The built-in defaults as the app has them; the tests' plans files override what each test needs. */
final class Defaults {

    static final PlanDefaults PLANS = new PlanDefaults(60, 10, 2, 5000, 200, 3, 4, Duration.ofSeconds(2));

    private Defaults() {
    }
}
