package dev.quiver.inference.modelconfig;

import java.util.Map;
import java.util.Optional;

/**
 * A model's routing after defaults: which versions answer requests that name none, by what key a caller keeps its
 * version, and which version is shadowed.
 *
 * @param aliases   alias to version number
 * @param weights   version or alias, as written, to its weight; empty means the latest serving version takes all
 * @param stickyKey what keeps one caller on one version
 * @param shadow    the candidate that receives a copy of a share of traffic, if any
 */
public record Routing(Map<String, Long> aliases, Map<String, Long> weights, StickyKey stickyKey,
                      Optional<Shadow> shadow) {

    public Routing {
        aliases = Map.copyOf(aliases);
        weights = Map.copyOf(weights);
    }

    /** The version a version number or alias names; empty for an unknown alias. */
    public Optional<Long> resolve(String versionOrAlias) {
        Long aliased = aliases.get(versionOrAlias);
        if (aliased != null) {
            return Optional.of(aliased);
        }
        return versionOrAlias.matches("[1-9][0-9]{0,17}") ? Optional.of(Long.parseLong(versionOrAlias))
                : Optional.empty();
    }

    /** How shadow answers are compared with the serving version's. */
    public enum Compare {
        /** classifier: the argmax of the first output's rows (or an integer label) agrees or not */
        ARGMAX,
        /** regressor: the first output's values, by absolute error */
        VALUES,
        /** argmax when the first output has rows of more than one value or integer labels, else values */
        AUTO
    }

    /** @param target a version number or an alias, as written */
    public record Shadow(String target, double share, Compare compare) {
    }
}
