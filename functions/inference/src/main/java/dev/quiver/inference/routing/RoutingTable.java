package dev.quiver.inference.routing;

import dev.quiver.inference.modelconfig.Routing;
import dev.quiver.inference.modelconfig.StickyKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.random.RandomGenerator;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * One model's routing, built once from a valid {@link Routing} and never changed: a new routing is a new table,
 * published with the model's snapshot, so a request sees the old table or the new one, never a mix.
 *
 * <p>A key is routed by weighted rendezvous hashing: every weighted version scores the key by
 * {@code weight / -ln(u)}, {@code u} being a Murmur3 hash of model, key and version mapped into (0, 1), and the highest
 * score wins. Each version so takes its weight's share of keys; the same key gets the same version on every replica
 * and after every restart (the hash depends on nothing else); and when a weight changes, only keys that move to or
 * from that version move. A version that is not serving drops out of the race, and only its keys go elsewhere, by
 * the remaining weights.
 */
public final class RoutingTable {

    private static final double TWO_TO_53 = 0x1p53;

    private final String model;
    private final Routing routing;
    private final long[] versions;
    private final long[] weights;
    private final Optional<ShadowRoute> shadow;

    private RoutingTable(String model, Routing routing) {
        this.model = model;
        this.routing = routing;
        TreeMap<Long, Long> byVersion = new TreeMap<>();
        routing.weights().forEach((target, weight) -> routing.resolve(target).filter(version -> weight > 0)
                .ifPresent(version -> byVersion.merge(version, weight, Long::sum)));
        this.versions = byVersion.keySet().stream().mapToLong(Long::longValue).toArray();
        this.weights = byVersion.values().stream().mapToLong(Long::longValue).toArray();
        this.shadow = routing.shadow().map(s -> new ShadowRoute(routing.resolve(s.target()).orElseThrow(), s.share(),
                s.compare()));
    }

    /** @param routing a routing its validator passed: every alias it names is defined */
    public static RoutingTable of(String model, Routing routing) {
        return new RoutingTable(model, routing);
    }

    public Routing routing() {
        return routing;
    }

    /** The version an alias points to. */
    public Optional<Long> alias(String name) {
        return Optional.ofNullable(routing.aliases().get(name));
    }

    public Map<String, Long> aliases() {
        return routing.aliases();
    }

    /** Whether requests that name no version are routed by weights. */
    public boolean weighted() {
        return versions.length > 0;
    }

    public StickyKey stickyKey() {
        return routing.stickyKey();
    }

    public Optional<ShadowRoute> shadow() {
        return shadow;
    }

    /** Version to weight, in version order. */
    public Map<Long, Long> weights() {
        TreeMap<Long, Long> shown = new TreeMap<>();
        for (int i = 0; i < versions.length; i++) {
            shown.put(versions[i], weights[i]);
        }
        return shown;
    }

    /** The version for a key among the weighted versions that serve; -1 when none of them does. */
    public long choose(String key, LongPredicate serving) {
        byte[] prefix = (model + '\n' + key + '\n').getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOf(prefix, prefix.length + Long.BYTES);
        long best = -1;
        double bestScore = -1;
        for (int i = 0; i < versions.length; i++) {
            if (!serving.test(versions[i])) {
                continue;
            }
            long version = versions[i];
            for (int b = 0; b < Long.BYTES; b++) {
                data[prefix.length + b] = (byte) (version >>> (8 * b));
            }
            long hash = MurmurHash3.hash128x64(data)[0];
            double unit = ((hash >>> 11) + 0.5) / TWO_TO_53;
            double score = weights[i] / -Math.log(unit);
            if (score > bestScore) {
                bestScore = score;
                best = version;
            }
        }
        return best;
    }

    /** A version drawn by weight among those that serve, for a request without a key; -1 when none serves. */
    public long draw(LongPredicate serving, RandomGenerator random) {
        long total = 0;
        for (int i = 0; i < versions.length; i++) {
            if (serving.test(versions[i])) {
                total += weights[i];
            }
        }
        if (total == 0) {
            return -1;
        }
        long point = random.nextLong(total);
        for (int i = 0; i < versions.length; i++) {
            if (serving.test(versions[i])) {
                point -= weights[i];
                if (point < 0) {
                    return versions[i];
                }
            }
        }
        return -1;
    }

    /** The shadowed candidate, resolved. */
    public record ShadowRoute(long version, double share, Routing.Compare compare) {
    }
}
