package dev.quiver.deploy.rollout;

import dev.quiver.deploy.DeployException;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.knative.serving.v1.TrafficTargetBuilder;
import java.util.List;
import java.util.Optional;

/**
 * The traffic splits of a canary rollout, as pure functions of the service's current traffic: the stable revision
 * carries the tag {@code current}, the one on trial the tag {@code canary}, each pinned by revision name so that a
 * new revision never takes traffic by merely being the latest.
 */
public final class TrafficPlan {

    public static final String CURRENT = "current";
    public static final String CANARY = "canary";

    private TrafficPlan() {
    }

    public static List<TrafficTarget> canary(String currentRevision, String canaryRevision, int canaryPercent) {
        return List.of(target(currentRevision, 100 - canaryPercent, CURRENT),
                target(canaryRevision, canaryPercent, CANARY));
    }

    /** All traffic to the canary, which becomes {@code current}. */
    public static List<TrafficTarget> promote(String service, List<TrafficTarget> traffic) {
        return List.of(target(tagged(service, traffic, CANARY), 100, CURRENT));
    }

    /** All traffic back to {@code current}; the canary keeps no tag and no traffic. */
    public static List<TrafficTarget> rollback(String service, List<TrafficTarget> traffic) {
        return List.of(target(tagged(service, traffic, CURRENT), 100, CURRENT));
    }

    public static Optional<TrafficTarget> find(List<TrafficTarget> traffic, String tag) {
        return traffic == null ? Optional.empty()
                : traffic.stream().filter(t -> tag.equals(t.getTag())).findFirst();
    }

    private static String tagged(String service, List<TrafficTarget> traffic, String tag) {
        TrafficTarget target = find(traffic, tag).orElseThrow(() -> new DeployException("Knative Service " + service
                + " has no revision tagged " + tag + " in its traffic (start a canary with rollout first)"));
        if (target.getRevisionName() == null) {
            throw new DeployException("Knative Service " + service + ": the traffic tagged " + tag
                    + " names no revision; this tool only moves traffic it pinned itself");
        }
        return target.getRevisionName();
    }

    private static TrafficTarget target(String revision, long percent, String tag) {
        return new TrafficTargetBuilder().withRevisionName(revision).withPercent(percent).withTag(tag)
                .withLatestRevision(false).build();
    }
}
