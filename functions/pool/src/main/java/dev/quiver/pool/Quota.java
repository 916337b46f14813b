package dev.quiver.pool;

import java.util.OptionalLong;

/**
 * What a queue or cohort holds of one resource, in thousandths ({@link Quantity}), as Kueue's quotas mean it.
 *
 * @param nominal        the amount it owns: always available to it, lent to its cohort while unused
 * @param borrowingLimit how much more than {@code nominal} it may take from its cohort; unbounded when empty
 * @param lendingLimit   how much of {@code nominal} its cohort may lend to others; all of it when empty
 */
public record Quota(long nominal, OptionalLong borrowingLimit, OptionalLong lendingLimit) {

    public static Quota of(long nominal) {
        return new Quota(nominal, OptionalLong.empty(), OptionalLong.empty());
    }

    public static final Quota NONE = of(0);
}
