package dev.quiver.inference.modelconfig;

import java.util.Map;

/**
 * A model's {@code routing} block, or its {@code routing.json} override, as written: a field left out is {@code null}
 * (or empty) and {@link ModelConfigDefaults} fills it in.
 *
 * <pre>
 * routing:
 *   aliases: {stable: 3, canary: 4}          # alias -> version number
 *   weights: {stable: 95, canary: 5}         # version number or alias -> weight; absent: the latest version takes all
 *   sticky_key: caller                       # caller | header:&lt;Name&gt; | parameter:&lt;name&gt;
 *   shadow: {version: canary, share: 0.1, compare: argmax}   # a copy of this share of traffic, off the answer's path
 * </pre>
 *
 * @param aliases   alias to version number
 * @param weights   version number (as written) or alias to its weight
 * @param stickyKey as written; null for the default ({@code caller})
 * @param shadow    null when nothing is shadowed
 */
public record RoutingSpec(Map<String, Long> aliases, Map<String, Long> weights, String stickyKey, ShadowSpec shadow) {

    public RoutingSpec {
        aliases = aliases == null ? Map.of() : Map.copyOf(aliases);
        weights = weights == null ? Map.of() : Map.copyOf(weights);
    }

    /**
     * @param target  the candidate: a version number or an alias
     * @param share   the share of requests copied to it, in (0, 1]
     * @param compare {@code argmax} or {@code values}; null to decide by the serving version's first output
     */
    public record ShadowSpec(String target, Double share, String compare) {
    }
}
