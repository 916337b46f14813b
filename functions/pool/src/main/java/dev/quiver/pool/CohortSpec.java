package dev.quiver.pool;

import java.util.Map;
import java.util.Optional;

/**
 * A group of queues (and of cohorts) that lend each other unused quota.
 *
 * @param parent the cohort this one is part of; empty for a root of the tree
 * @param weight its fair-share weight among its parent's children (0: only what others leave)
 * @param quota  capacity the cohort holds itself, for its members to share, by resource
 */
public record CohortSpec(String name, Optional<String> parent, double weight, Map<String, Quota> quota) {

    public CohortSpec {
        quota = Map.copyOf(quota);
    }
}
