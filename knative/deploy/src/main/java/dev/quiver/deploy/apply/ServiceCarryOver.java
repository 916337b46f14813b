package dev.quiver.deploy.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.deploy.rollout.RevisionNames;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.function.Function;

/**
 * What a Knative Service's update keeps from the live object when its manifest is silent. Traffic pinned by a rollout
 * stays pinned (a deploy must not end a canary). A template named by a rollout keeps its name while it is unchanged,
 * and gets a new one when it changes, because Knative refuses a changed template under an old revision name.
 */
final class ServiceCarryOver {

    private ServiceCarryOver() {
    }

    /** Completes {@code desired} from {@code live}; returns a note for the operator, or null. */
    static String apply(Service desired, Service live, RevisionNames revisionNames, Function<Object, JsonNode> tree) {
        List<TrafficTarget> liveTraffic = live.getSpec() == null ? null : live.getSpec().getTraffic();
        boolean keepsTraffic = (desired.getSpec().getTraffic() == null || desired.getSpec().getTraffic().isEmpty())
                && liveTraffic != null && !liveTraffic.isEmpty();
        if (keepsTraffic) {
            desired.getSpec().setTraffic(liveTraffic);
        }
        String liveName = live.getSpec() == null || live.getSpec().getTemplate() == null
                || live.getSpec().getTemplate().getMetadata() == null ? null
                : live.getSpec().getTemplate().getMetadata().getName();
        if (liveName == null || desired.getSpec().getTemplate() == null) {
            return null;
        }
        if (desired.getSpec().getTemplate().getMetadata() == null) {
            desired.getSpec().getTemplate().setMetadata(new ObjectMeta());
        }
        if (desired.getSpec().getTemplate().getMetadata().getName() != null) {
            return null;
        }
        JsonNode wanted = tree.apply(desired.getSpec().getTemplate());
        if (wanted.path("metadata") instanceof ObjectNode metadata) {
            metadata.remove("name");
        }
        if (Containment.holds(wanted, tree.apply(live.getSpec().getTemplate()))) {
            desired.getSpec().getTemplate().getMetadata().setName(liveName);
            return null;
        }
        String revision = revisionNames.next(desired.getMetadata().getName());
        desired.getSpec().getTemplate().getMetadata().setName(revision);
        boolean pinned = keepsTraffic
                && liveTraffic.stream().noneMatch(t -> Boolean.TRUE.equals(t.getLatestRevision()));
        return pinned
                ? "new revision " + revision + " takes no traffic yet:"
                        + " traffic stays pinned where the last rollout left it;"
                        + " give it some with ./quiver rollout " + desired.getMetadata().getName() + " --canary N%"
                : "new revision " + revision;
    }
}
